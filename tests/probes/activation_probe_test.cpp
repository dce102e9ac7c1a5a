// End-to-end activation probe on the committed mini zoo (tests/data/minizoo, tools/zoo): a model
// against itself and against a function-preserving permutation+rotation of itself is derived; two
// independently pretrained models are not. Also: the shipped rule and null-range files equal the
// compiled-in defaults, and the bundled corpus equals corpus/probe_corpus.txt and keeps its mix;
// a stored JSON record re-decides to the same verdict; fitted ranges round-trip through their file
// with provenance, and a probe of a calibration model is reported in sample.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "probes/activation/activation_probe.h"
#include "probes/activation/pair_figures.h"
#include "probes/activation/probe_json.h"
#include "weights/core/error.h"
#include "weights/digest.h"

using namespace lineage::probes::activation;

namespace {

const std::string kZoo = std::string(LINEAGE_SOURCE_DIR) + "/tests/data/minizoo/";

ProbeResult probe(const std::string& a, const std::string& b) {
    VerdictRule rule = default_verdict_rule();
    rule.cka_shuffles = 8;
    ProbeOptions o;
    o.device = "cpu";
    o.max_positions = 512;
    return run_activation_probe(kZoo + a, kZoo + b, bundled_corpus(), rule, default_null_ranges(), o);
}

}  // namespace

TEST_CASE("activation probe: mini zoo end to end") {
    if (!std::filesystem::exists(kZoo + "A/model.safetensors")) {
        MESSAGE("mini zoo not present; skipped");
        return;
    }
    SUBCASE("a model against itself is derived, CKA 1 on the diagonal") {
        const ProbeResult r = probe("A", "A");
        CHECK(r.verdict == Verdict::derived);
        CHECK(r.same_tokenizer);
        CHECK(r.positions == 512);
        for (const auto& e : r.profile) {
            CHECK(e.layer_a == e.layer_b);
            CHECK(e.debiased == doctest::Approx(1.0).epsilon(1e-3));
        }
        CHECK(r.top1_agreement.value == doctest::Approx(1.0));
        CHECK(r.js_divergence.value == doctest::Approx(0.0).epsilon(1e-4));
        CHECK(std::string(probe_result_json(r).find("verdict")->as_string()) == "derived");
    }
    SUBCASE("a permuted and rotated copy (function-preserving) is derived") {
        const ProbeResult r = probe("A", "A-permrot");
        CHECK(r.verdict == Verdict::derived);
        CHECK(r.peak_cka.value > 0.99);
    }
    SUBCASE("two independently pretrained models are not derived") {
        const ProbeResult r = probe("A", "B");
        CHECK(r.verdict != Verdict::derived);
        CHECK(r.peak_cka.value < 0.9);
        CHECK(r.peak_cka.beyond_null);  // trained on the same data: far from the shuffled null
    }
    SUBCASE("models with different tokenizers still compare, and are not derived") {
        const ProbeResult r = probe("A", "C");
        CHECK_FALSE(r.same_tokenizer);
        CHECK(r.positions >= 256);
        CHECK(r.verdict != Verdict::derived);
    }
}

TEST_CASE("activation probe: shipped data files equal the compiled-in defaults") {
    const VerdictRule builtin;
    const VerdictRule file = load_verdict_rule(default_rule_path());
    CHECK(file.max_positions == builtin.max_positions);
    CHECK(file.max_tokens_per_text == builtin.max_tokens_per_text);
    CHECK(file.skip_leading_positions == builtin.skip_leading_positions);
    CHECK(file.min_positions == builtin.min_positions);
    CHECK(file.agreement_positions == builtin.agreement_positions);
    CHECK(file.cka_shuffles == builtin.cka_shuffles);
    CHECK(file.agreement_shuffles == builtin.agreement_shuffles);
    CHECK(file.null_z_min == builtin.null_z_min);
    CHECK(file.alignment_min_cka == builtin.alignment_min_cka);
    CHECK(file.derived_min_peak_cka == builtin.derived_min_peak_cka);
    CHECK(file.independent_max_peak_cka == builtin.independent_max_peak_cka);
    CHECK(file.independent_margin == builtin.independent_margin);
    CHECK(file.behaviour_min_top1 == builtin.behaviour_min_top1);
    CHECK(file.behaviour_max_js == builtin.behaviour_max_js);
    CHECK(file.behaviour_margin == builtin.behaviour_margin);
    CHECK(file.behaviour_needs_both == builtin.behaviour_needs_both);
    CHECK(file.seed == builtin.seed);

    const IndependentRanges b = builtin_null_ranges(), f = load_null_ranges(default_null_ranges_path());
    for (auto [x, y] : {std::pair{b.peak_cka, f.peak_cka}, {b.diagonal_cka, f.diagonal_cka},
                        {b.diagonal_cka_linear, f.diagonal_cka_linear}, {b.top1_agreement, f.top1_agreement},
                        {b.js_divergence, f.js_divergence}}) {
        CHECK(x.lo == doctest::Approx(y.lo));
        CHECK(x.hi == doctest::Approx(y.hi));
        CHECK(x.pairs == y.pairs);
    }
    // Provenance too (tools/calibration/activation_builtin_ranges.py copies it).
    CHECK(b.measured_on == f.measured_on);
    CHECK(b.pairs == f.pairs);
    REQUIRE(b.models.size() == f.models.size());
    for (std::size_t i = 0; i < b.models.size(); ++i) {
        CHECK(b.models[i].id == f.models[i].id);
        CHECK(b.models[i].weights_sha256 == f.models[i].weights_sha256);
        CHECK(b.models[i].bytes == f.models[i].bytes);
    }
}

TEST_CASE("activation probe: bundled corpus") {
    const ProbeCorpus c = bundled_corpus();
    std::ifstream in(std::string(LINEAGE_SOURCE_DIR) + "/probes/activation/corpus/probe_corpus.txt", std::ios::binary);
    const std::string txt((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(split_texts(txt) == c.texts);  // the generated .cpp is up to date
    CHECK(c.texts.size() >= 300);
    int korean = 0, code = 0, digits = 0;
    for (const auto& t : c.texts) {
        if (t.find("\xEB") != std::string::npos || t.find("\xEC") != std::string::npos) ++korean;
        if (t.find('(') != std::string::npos && t.find(';') != std::string::npos) ++code;
        if (t.find_first_of("0123456789") != std::string::npos) ++digits;
    }
    CHECK(korean >= 100);
    CHECK(code >= 20);
    CHECK(digits >= 40);
}

TEST_CASE("activation probe: corpus files are validated") {
    const auto dir = std::filesystem::temp_directory_path() / "lineage_activation_corpus_test";
    std::filesystem::create_directories(dir);
    const auto bad = (dir / "bad.txt").string();
    std::ofstream(bad, std::ios::binary) << "fine line\nbroken \xC3\x28 line\n";
    CHECK_THROWS_AS(load_corpus_file(bad), lineage::InputError);
    const auto empty = (dir / "empty.txt").string();
    std::ofstream(empty, std::ios::binary) << "\n  \n";
    CHECK_THROWS_AS(load_corpus_file(empty), lineage::InputError);
    CHECK_THROWS_AS(load_corpus_file((dir / "missing.txt").string()), lineage::InputError);
    const auto good = (dir / "good.txt").string();
    std::ofstream(good, std::ios::binary) << "one\r\ntwo\n\nthree";
    CHECK(load_corpus_file(good).texts == std::vector<std::string>{"one", "two", "three"});
    std::filesystem::remove_all(dir);
}

TEST_CASE("activation probe: a stored record re-decides to the same verdict") {
    if (!std::filesystem::exists(kZoo + "A/model.safetensors")) {
        MESSAGE("mini zoo not present; skipped");
        return;
    }
    VerdictRule rule = default_verdict_rule();
    rule.cka_shuffles = 8;
    for (const char* other : {"B", "A-student"}) {
        const ProbeResult r = probe("A", other);
        ProbeResult back = probe_figures_from_json(probe_result_json(r), "record");
        CHECK(back.peak_cka.value == r.peak_cka.value);
        CHECK(back.peak_cka.null_extreme == r.peak_cka.null_extreme);
        CHECK(back.js_divergence.higher_is_closer == false);
        CHECK(back.agreement_computed == r.agreement_computed);
        apply_independent_ranges(back, default_null_ranges());
        decide_verdict(back, rule);
        CHECK(back.verdict == r.verdict);
    }
    CHECK_THROWS_AS(probe_figures_from_json(lineage::JsonValue::object(), "record"), lineage::InputError);
}

TEST_CASE("activation probe: fitted ranges, their file and the in-sample check") {
    ProbeResult x, y;
    x.peak_cka.value = 0.6, x.diagonal_cka.value = 0.5, x.diagonal_cka_linear.value = 0.52;
    y.peak_cka.value = 0.7, y.diagonal_cka.value = 0.4, y.diagonal_cka_linear.value = 0.45;
    x.agreement_computed = true, x.top1_agreement.value = 0.2, x.js_divergence.value = 0.3;
    IndependentRanges r = fit_independent_ranges({&x, &y});
    CHECK(r.peak_cka.lo == 0.6);
    CHECK(r.peak_cka.hi == 0.7);
    CHECK(r.peak_cka.pairs == 2);
    CHECK(r.diagonal_cka.lo == 0.4);
    CHECK(r.top1_agreement.pairs == 1);  // y has no agreement figures
    CHECK(r.js_divergence.hi == 0.3);

    const std::string model_a = kZoo + "A", model_b = kZoo + "B";
    const auto weights = std::filesystem::path(model_a) / "model.safetensors";
    if (!std::filesystem::exists(weights)) return;
    r.pairs = {"mini:A|C"};
    r.models = {{"mini:A", lineage::weights::sha256_file(weights), static_cast<std::int64_t>(std::filesystem::file_size(weights))},
                {"mini:C", std::string(64, '0'), 12345}};
    r.measured_on = "a test";
    const auto dir = std::filesystem::temp_directory_path() / "lineage_activation_ranges_test";
    std::filesystem::create_directories(dir);
    const std::string file = (dir / "ranges.json").string();
    std::ofstream(file) << null_ranges_json(r, "test").dump(2);
    const IndependentRanges back = load_null_ranges(file);
    CHECK(back.peak_cka.hi == doctest::Approx(0.7));
    CHECK(back.pairs == r.pairs);
    REQUIRE(back.models.size() == 2);
    CHECK(back.models[0].weights_sha256 == r.models[0].weights_sha256);
    CHECK(calibration_models_at(back, model_a) == std::vector<std::string>{"mini:A"});
    CHECK(calibration_models_at(back, model_b).empty());

    ProbeResult p;
    p.model_a = model_b;
    p.model_b = model_a;
    p.peak_cka.value = 0.65;
    p.peak_cka.null_draws = 8;
    apply_independent_ranges(p, back);
    note_calibration_overlap(p, back);
    CHECK(p.calibration_models_known);
    CHECK(p.calibration_overlap == std::vector<std::string>{"B is calibration model mini:A"});
    decide_verdict(p, default_verdict_rule());
    bool said = false;
    for (const auto& reason : p.reasons) said = said || reason.find("IN SAMPLE") != std::string::npos;
    CHECK(said);
    p.model_b = model_b;
    note_calibration_overlap(p, back);
    decide_verdict(p, default_verdict_rule());
    said = false;
    for (const auto& reason : p.reasons) said = said || reason.find("out of sample for this pair") != std::string::npos;
    CHECK(said);
    std::filesystem::remove_all(dir);
}
