// Component and model verdicts from hand-built findings: exact reuse, significance after the
// multiple-test correction, the stated-power rule, several bases, policy rules for tokenizer,
// architecture and behaviour findings, and pitfalls.
#include <doctest/doctest.h>

#include "audit/policy/policy.h"
#include "audit/verdict/component_names.h"
#include "audit/verdict/component_verdict.h"
#include "audit/verdict/model_verdict.h"
#include "audit/verdict/pitfalls.h"

using namespace lineage::audit;
using lineage::reports::Outcome;
using lineage::reports::Relation;

namespace {

Power powered() {
    return Power{3, 3, "perturb, prune, rotate"};
}

Finding weight(std::string component, std::string relation, std::optional<double> p,
               std::string base = "base-a", std::optional<Power> power = powered()) {
    Finding f;
    f.kind = FindingKind::weight_lineage;
    f.component = std::move(component);
    f.relation = std::move(relation);
    f.base = std::move(base);
    f.base_component = f.component;
    f.p_value = p;
    f.statistic = "neuron-matching";
    f.power = std::move(power);
    return f;
}

Finding model_level(FindingKind kind, std::string relation, std::string base = "base-a") {
    Finding f;
    f.kind = kind;
    f.relation = std::move(relation);
    f.base = std::move(base);
    return f;
}

const ComponentVerdict& find(const std::vector<ComponentVerdict>& v, std::string_view name) {
    for (const auto& c : v) {
        if (c.component == name) return c;
    }
    FAIL("no verdict for ", name);
    return v.front();
}

}  // namespace

TEST_CASE("component verdicts: derived, independent with power, and the reasons for inconclusive") {
    Policy policy = builtin_policy();
    std::vector<Finding> findings{
        weight("embeddings", "derived", std::nullopt),     // exact reuse
        weight("layers.0.attention", "derived", 1e-30),    // far below 1e-6 / 5
        weight("layers.0.mlp", "derived", 5e-7),           // below 1e-6 but not 1e-6 / 5
        weight("layers.1.attention", "independent", 0.4),  // independent, controls detected
        weight("layers.1.mlp", "independent", 0.6, "base-a", std::nullopt),  // no controls run
        weight("lm_head", "independent", 0.3, "base-a", Power{3, 2, ""}),    // a control missed
    };
    std::vector<std::string> all{"embeddings",   "layers.0.attention",
                                 "layers.0.mlp", "layers.1.attention",
                                 "layers.1.mlp", "lm_head",
                                 "vision"};
    auto v = decide_components(findings, policy, all);
    REQUIRE(v.size() == 7);
    // Reading order.
    CHECK(v[0].component == "embeddings");
    CHECK(v[1].component == "layers.0.attention");
    CHECK(v[5].component == "lm_head");
    CHECK(v[6].component == "vision");
    CHECK(v[0].threshold == doctest::Approx(1e-6 / 5));

    CHECK(find(v, "embeddings").relation == Relation::derived);
    CHECK(find(v, "embeddings").reason == ComponentReason::exact_reuse);
    CHECK(find(v, "embeddings").source_base == "base-a");
    CHECK(find(v, "layers.0.attention").relation == Relation::derived);
    CHECK(find(v, "layers.0.attention").reason == ComponentReason::significant);
    CHECK(find(v, "layers.0.mlp").relation == Relation::inconclusive);
    CHECK(find(v, "layers.0.mlp").reason == ComponentReason::flag_not_significant);
    CHECK(find(v, "layers.1.attention").relation == Relation::independent);
    CHECK(find(v, "layers.1.attention").reason == ComponentReason::independent_power);
    CHECK(find(v, "layers.1.mlp").relation == Relation::inconclusive);
    CHECK(find(v, "layers.1.mlp").reason == ComponentReason::controls_not_run);
    CHECK(find(v, "lm_head").relation == Relation::inconclusive);
    CHECK(find(v, "lm_head").reason == ComponentReason::controls_missed);
    CHECK(find(v, "vision").relation == Relation::inconclusive);
    CHECK(find(v, "vision").reason == ComponentReason::not_compared);
    CHECK(find(v, "vision").bases_compared == 0);
}

TEST_CASE("without the power requirement an in-null result is independent") {
    Policy policy = builtin_policy();
    policy.require_power = false;
    auto v = decide_components(
        std::vector<Finding>{weight("layers.0.mlp", "independent", 0.5, "b", std::nullopt)},
        policy);
    CHECK(v[0].relation == Relation::independent);
    CHECK(v[0].reason == ComponentReason::independent_unpowered);
}

TEST_CASE("a probe saying independent with a tiny p-value is conflicting, not independent") {
    Policy policy = builtin_policy();
    auto v = decide_components(std::vector<Finding>{weight("layers.0.mlp", "independent", 1e-20)},
                               policy);
    CHECK(v[0].relation == Relation::inconclusive);
    CHECK(v[0].reason == ComponentReason::conflicting);
}

TEST_CASE("several bases: derived from any wins, strongest evidence named; independent needs all") {
    Policy policy = builtin_policy();
    std::vector<Finding> findings{
        weight("layers.0.mlp", "derived", 1e-12, "base-a"),
        weight("layers.0.mlp", "derived", 1e-40, "base-b"),
        weight("layers.0.mlp", "independent", 0.5, "base-c"),
        weight("layers.1.mlp", "independent", 0.5, "base-a"),
        weight("layers.1.mlp", "independent", 0.2, "base-b"),
        weight("layers.2.mlp", "independent", 0.5, "base-a"),
        weight("layers.2.mlp", "inconclusive", 0.01, "base-b"),
    };
    auto v = decide_components(findings, policy);
    CHECK(find(v, "layers.0.mlp").relation == Relation::derived);
    CHECK(find(v, "layers.0.mlp").source_base == "base-b");
    CHECK(*find(v, "layers.0.mlp").p_value == doctest::Approx(1e-40));
    CHECK(find(v, "layers.1.mlp").relation == Relation::independent);
    CHECK(find(v, "layers.1.mlp").power->controls == 6);
    CHECK(*find(v, "layers.1.mlp").p_value == doctest::Approx(0.2));
    CHECK(find(v, "layers.2.mlp").relation == Relation::inconclusive);
    CHECK(find(v, "layers.2.mlp").reason == ComponentReason::probe_inconclusive);
}

TEST_CASE("exact reuse outranks a p-value from another base") {
    Policy policy = builtin_policy();
    auto v = decide_components(
        std::vector<Finding>{weight("lm_head", "derived", 1e-50, "base-a"),
                             weight("lm_head", "derived", std::nullopt, "base-b")},
        policy);
    CHECK(v[0].reason == ComponentReason::exact_reuse);
    CHECK(v[0].source_base == "base-b");
}

TEST_CASE("model verdict: fail on any derived component") {
    Policy policy = builtin_policy();
    std::vector<Finding> findings{weight("embeddings", "independent", 0.5),
                                  weight("layers.0.mlp", "derived", 1e-20),
                                  model_level(FindingKind::tokenizer, "extended")};
    auto comps = decide_components(findings, policy);
    auto m = decide_model(policy, comps, findings);
    CHECK(m.outcome == Outcome::fail);
    CHECK(m.reason == ModelReason::rule_failed);
    CHECK(m.derived == 1);
    CHECK(m.independent == 1);
    CHECK(m.fails == 1);
    CHECK(m.warnings == 1);
    REQUIRE(m.hits.size() == 2);
    CHECK(m.hits[0].rule_id == "weights-derived");  // fail before warn
    CHECK(m.hits[0].component == "layers.0.mlp");
    CHECK(m.hits[1].rule_id == "tokenizer-reused");
}

TEST_CASE("model verdict: pass with warnings; distillation informs but never fails") {
    Policy policy = builtin_policy();
    std::vector<Finding> findings{weight("embeddings", "independent", 0.5),
                                  weight("layers.0.mlp", "independent", 0.3),
                                  model_level(FindingKind::tokenizer, "identical"),
                                  model_level(FindingKind::architecture, "identical"),
                                  model_level(FindingKind::behaviour, "similar")};
    auto comps = decide_components(findings, policy);
    auto m = decide_model(policy, comps, findings);
    CHECK(m.outcome == Outcome::pass);
    CHECK(m.reason == ModelReason::all_independent);
    CHECK(m.warnings == 2);
    CHECK(m.informs == 1);
    CHECK(m.derived == 0);
    CHECK(m.hits.back().rule_id == "behaviour-similar");
}

TEST_CASE("model verdict: inconclusive without comparisons or with undecided components") {
    Policy policy = builtin_policy();
    SUBCASE("nothing compared") {
        std::vector<std::string> all{"embeddings", "lm_head"};
        auto comps = decide_components({}, policy, all);
        auto m = decide_model(policy, comps, {});
        CHECK(m.outcome == Outcome::inconclusive);
        CHECK(m.reason == ModelReason::no_comparison);
    }
    SUBCASE("an undecided component") {
        std::vector<Finding> findings{
            weight("embeddings", "independent", 0.5),
            weight("layers.0.mlp", "independent", 0.5, "base-a", std::nullopt)};
        auto comps = decide_components(findings, policy);
        auto m = decide_model(policy, comps, findings);
        CHECK(m.outcome == Outcome::inconclusive);
        CHECK(m.reason == ModelReason::undecided_components);
        policy.inconclusive_components = InconclusivePolicy::ignore;
        auto m2 = decide_model(policy, comps, findings);
        CHECK(m2.outcome == Outcome::pass);
    }
}

TEST_CASE("model verdict: a component no base has warns under the bundled policy, blocks on request") {
    // A vision-language candidate audited against a text-only base: the language model is
    // independent with its controls; the vision tower has no counterpart in the base.
    Policy policy = builtin_policy();
    std::vector<Finding> findings{weight("embeddings", "independent", 0.5),
                                  weight("layers.0.mlp", "independent", 0.4)};
    std::vector<std::string> all{"embeddings", "layers.0.mlp", "vision"};
    auto comps = decide_components(findings, policy, all);
    REQUIRE(comps.size() == 3);
    CHECK(comps[2].reason == ComponentReason::not_compared);
    auto m = decide_model(policy, comps, findings);
    CHECK(m.outcome == Outcome::pass);
    CHECK(m.inconclusive == 1);
    CHECK(m.not_compared == 1);
    CHECK(m.warnings == 1);
    REQUIRE(!m.hits.empty());
    CHECK(m.hits[0].rule_id == "component-not-compared");
    CHECK(m.hits[0].component == "vision");
    CHECK(m.hits[0].relation == "not-compared");

    policy.uncompared_components = InconclusivePolicy::inconclusive;
    auto strict = decide_model(policy, comps, findings);
    CHECK(strict.outcome == Outcome::inconclusive);
    CHECK(strict.reason == ModelReason::undecided_components);

    // Ignoring uncompared components never hides an undecided one that was compared.
    policy.uncompared_components = InconclusivePolicy::ignore;
    findings.push_back(weight("lm_head", "independent", 0.3, "base-a", Power{3, 2, ""}));
    all.push_back("lm_head");
    auto comps2 = decide_components(findings, policy, all);
    CHECK(decide_model(policy, comps2, findings).outcome == Outcome::inconclusive);
}

TEST_CASE("a reviewer's policy can fail on a reused tokenizer, scoped rules match by glob") {
    Policy policy = parse_policy(R"(schema = 1
[policy]
name = "strict"
version = "1"
[[rules]]
id = "tok"
severity = "fail"
kind = "tokenizer"
relations = ["identical", "extended"]
[[rules]]
id = "vision-derived"
severity = "warn"
kind = "weight-lineage"
relations = ["derived"]
components = ["vision*"]
)",
                                 "strict.toml");
    std::vector<Finding> findings{weight("vision", "derived", std::nullopt),
                                  weight("layers.0.mlp", "independent", 0.5),
                                  model_level(FindingKind::tokenizer, "extended")};
    auto comps = decide_components(findings, policy);
    auto m = decide_model(policy, comps, findings);
    CHECK(m.outcome == Outcome::fail);
    CHECK(m.fails == 1);
    CHECK(m.hits[0].rule_id == "tok");
    CHECK(m.warnings == 1);
    CHECK(m.hits[1].rule_id == "vision-derived");
}

TEST_CASE("pitfalls apply where their figure was measured or a finding triggers them") {
    std::vector<DescriptiveFigure> figures{
        {"norm_cosine", "base-b", "layers.*.norms", 0.994, NullRange{0.97, 0.999, "zoo"}},
        {"norm_cosine", "base-a", "", 0.991, std::nullopt}};
    std::vector<Finding> findings{model_level(FindingKind::behaviour, "similar")};
    auto notes = applicable_pitfalls(figures, findings);
    REQUIRE(notes.size() == 2);
    CHECK(notes[0].pitfall->id == "norm-cosine");
    CHECK(notes[0].figures.size() == 2);
    CHECK(notes[0].figures[0].base == "base-a");  // sorted by base
    CHECK(notes[1].pitfall->id == "output-similarity");
    CHECK(applicable_pitfalls({}, {}).empty());
}

TEST_CASE("component reading order") {
    std::vector<std::string> names{
        "lm_head",    "vision",     "layers.10.mlp", "layers.2.norms", "layers.2.attention",
        "embeddings", "final_norm", "layers.2.mlp",  "projector"};
    sort_components(names);
    CHECK(names == std::vector<std::string>{"embeddings", "layers.2.attention", "layers.2.mlp",
                                            "layers.2.norms", "layers.10.mlp", "final_norm",
                                            "lm_head", "projector", "vision"});
}
