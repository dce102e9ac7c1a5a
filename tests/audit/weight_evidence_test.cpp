// The weight-probe adapter: per-component findings from a hand-built CompareResult (exact reuse,
// a statistic beyond its null, in-null statistics with the pair's controls as power, token
// agreement for an unpaired lm_head), transposed heatmaps with the layer map, pitfall figures.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "audit/evidence/component_map.h"
#include "audit/evidence/weight_evidence.h"

using namespace lineage::audit;
namespace pw = lineage::probes::weights;

namespace {

pw::ComponentStat stat(std::string family, std::string component, int la, int lb,
                       double neg_log10_p, bool beyond) {
    pw::ComponentStat s;
    s.family = std::move(family);
    s.statistic = "s";
    s.component = std::move(component);
    s.layer_a = la;
    s.layer_b = lb;
    s.value = 0.5;
    s.neg_log10_p = neg_log10_p;
    s.null_lo = -0.1;
    s.null_hi = 0.1;
    s.null_kind = "null";
    s.beyond_null = beyond;
    return s;
}

const Finding* find(const AuditEvidence& e, std::string_view component) {
    for (const auto& f : e.findings) {
        if (f.component == component) return &f;
    }
    return nullptr;
}

}  // namespace

TEST_CASE("component names from roles") {
    CHECK(component_of_role_name("mlp_gate", 3) == "layers.3.mlp");
    CHECK(component_of_role_name("q_proj+k_proj", 0) == "layers.0.attention");
    CHECK(component_of_role_name("mlp", 2, 5) == "layers.2.experts");
    CHECK(component_of_role_name("attn_norm", 1) == "layers.1.norms");
    CHECK(component_of_role_name("final_norm", -1) == "final_norm");
    CHECK(component_of_role_name("token_embedding", -1) == "embeddings");
    CHECK(component_of_role_name("lm_head", -1) == "lm_head");
    CHECK_FALSE(component_of_role_name("other", 0).has_value());
    lineage::weights::TensorRole vision;
    vision.role = lineage::weights::Role::vision;
    vision.tower = "vision";
    CHECK(component_of(vision) == "vision");
}

TEST_CASE("a CompareResult becomes per-component findings, matrices and figures") {
    pw::CompareResult r;
    r.stats.push_back(stat("exact_reuse", "model.embed_tokens.weight = model.embed_tokens.weight",
                           -1, -1, std::numeric_limits<double>::infinity(), true));
    r.stats.push_back(stat("neuron_matching", "mlp", 0, 1, 40.0, true));
    r.stats.push_back(stat("pearson", "mlp_gate", 1, 1, 2.0, false));
    r.stats.push_back(stat("pearson", "q_proj", 0, 0, 1.0, false));
    r.stats.push_back(stat("attention_cka", "q_proj+k_proj", 0, 0, 0.5, false));
    r.controls_run = true;
    r.controls = {{"finetune_noise", true, 10}, {"pruning", true, 20}, {"rotation", false, 1}};
    pw::TokenAgreement lm;
    lm.component = "lm_head";
    lm.fraction_agreeing = 0.01;
    r.tokens.push_back(lm);
    r.heatmaps.push_back({"neuron_matching_neg_log10_p",
                          2,
                          3,
                          {1, 40, 2, 3, 4, 30}});  // 2 base x 3 candidate layers
    r.layer_map_b_to_a = {-1, 0, 1};
    r.descriptive.push_back({"norm_weight_cosine", 0.995, 0.95, 1.0, "why"});
    r.descriptive.push_back({"attention_std_curve_correlation", std::nan(""), -1, 1, "why"});
    r.seed = 7;

    AuditEvidence e;
    add_weight_evidence(r, "base", e);

    const Finding* emb = find(e, "embeddings");
    REQUIRE(emb);
    CHECK(emb->relation == "derived");
    CHECK_FALSE(emb->p_value.has_value());  // exact reuse is decisive
    CHECK(emb->base_component == "embeddings");

    const Finding* mlp1 = find(e, "layers.1.mlp");
    REQUIRE(mlp1);
    CHECK(mlp1->relation == "derived");
    CHECK(mlp1->base_component == "layers.0.mlp");  // matched to base layer 0
    CHECK(*mlp1->p_value == doctest::Approx(std::pow(10.0, -(40.0 - std::log10(2.0)))));
    CHECK_FALSE(mlp1->power.has_value());

    const Finding* att = find(e, "layers.0.attention");
    REQUIRE(att);
    CHECK(att->relation == "independent");
    REQUIRE(att->power.has_value());
    CHECK(att->power->controls == 3);
    CHECK(att->power->detected == 2);

    const Finding* head = find(e, "lm_head");
    REQUIRE(head);
    CHECK(head->relation == "independent");
    CHECK(*head->strength == doctest::Approx(0.01));

    REQUIRE(e.matrices.size() == 1);
    const SimilarityMatrix& m = e.matrices[0];
    CHECK(m.rows == 3);
    CHECK(m.columns == 2);
    CHECK(m.values[1 * 2 + 0] == doctest::Approx(40));  // candidate layer 1 x base layer 0
    CHECK(m.values[2 * 2 + 1] == doctest::Approx(30));
    CHECK(m.scale_max == doctest::Approx(40));
    CHECK(m.alignment == std::vector<std::pair<int, int>>{{1, 0}, {2, 1}});

    REQUIRE(e.figures.size() == 1);  // the NaN figure is left out
    CHECK(e.figures[0].statistic == "norm_cosine");
    CHECK(e.figures[0].independent_range->low == doctest::Approx(0.95));
    CHECK(e.seeds.at(0).second == 7);
}
