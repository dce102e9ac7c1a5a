// End to end on tiny synthetic Llama-style models built in memory: a model and its neuron/head-
// permuted, residual-rotated (norms folded), noised, fine-tune-like, layer-dropped and layer-
// duplicated versions are called derived; two independently initialised models are not; the
// positive controls are detected; the verdict rule file matches the built-in defaults.
#include <doctest/doctest.h>

#include <Eigen/QR>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "probes/stats/random.h"
#include "probes/weights/compare.h"
#include "probes/weights/compare_format.h"
#include "probes/weights/direct_statistics.h"
#include "probes/weights/pair_context.h"
#include "probes/weights/weight_summary.h"
#include "probes/weights/model_view.h"

using namespace lineage::probes::weights;
namespace st = lineage::probes::stats;

namespace {

constexpr int kVocab = 256, kHidden = 32, kLayers = 4, kInter = 96, kHeads = 4, kHeadDim = 8;

struct Tiny {
    MatrixF embed, lm_head, final_norm;
    struct Layer {
        MatrixF q, k, v, o, gate, up, down, attn_norm, mlp_norm;
    };
    std::vector<Layer> layers;
};

MatrixF gaussian(Eigen::Index r, Eigen::Index c, st::Rng& rng, double sd = 1.0) {
    MatrixF m(r, c);
    for (Eigen::Index k = 0; k < m.size(); ++k) m.data()[k] = static_cast<float>(sd * st::standard_normal(rng));
    return m;
}

MatrixF gains(st::Rng& rng) {
    MatrixF g(1, kHidden);
    for (int k = 0; k < kHidden; ++k) g(0, k) = static_cast<float>(1.0 + 0.2 * st::standard_normal(rng));
    return g;
}

Tiny random_model(std::uint64_t seed) {
    st::Rng rng(seed);
    Tiny t;
    t.embed = gaussian(kVocab, kHidden, rng);
    t.lm_head = gaussian(kVocab, kHidden, rng);
    t.final_norm = gains(rng);
    for (int l = 0; l < kLayers; ++l) {
        Tiny::Layer L;
        L.q = gaussian(kHeads * kHeadDim, kHidden, rng);
        L.k = gaussian(kHeads * kHeadDim, kHidden, rng);
        L.v = gaussian(kHeads * kHeadDim, kHidden, rng);
        L.o = gaussian(kHidden, kHeads * kHeadDim, rng);
        L.gate = gaussian(kInter, kHidden, rng);
        L.up = gaussian(kInter, kHidden, rng);
        L.down = gaussian(kHidden, kInter, rng);
        L.attn_norm = gains(rng);
        L.mlp_norm = gains(rng);
        t.layers.push_back(L);
    }
    return t;
}

std::unique_ptr<MemoryModel> to_view(const Tiny& t, const std::string& label) {
    auto m = std::make_unique<MemoryModel>(label);
    m->add("model.embed_tokens.weight", t.embed);
    m->add("lm_head.weight", t.lm_head);
    m->add("model.norm.weight", t.final_norm, true);
    for (std::size_t l = 0; l < t.layers.size(); ++l) {
        const auto& L = t.layers[l];
        const std::string p = "model.layers." + std::to_string(l) + ".";
        m->add(p + "self_attn.q_proj.weight", L.q);
        m->add(p + "self_attn.k_proj.weight", L.k);
        m->add(p + "self_attn.v_proj.weight", L.v);
        m->add(p + "self_attn.o_proj.weight", L.o);
        m->add(p + "mlp.gate_proj.weight", L.gate);
        m->add(p + "mlp.up_proj.weight", L.up);
        m->add(p + "mlp.down_proj.weight", L.down);
        m->add(p + "input_layernorm.weight", L.attn_norm, true);
        m->add(p + "post_attention_layernorm.weight", L.mlp_norm, true);
    }
    return m;
}

Tiny permute_neurons_and_heads(Tiny t, std::uint64_t seed) {
    st::Rng rng(seed);
    for (auto& L : t.layers) {
        const auto p = st::random_permutation(kInter, rng);
        MatrixF g = L.gate, u = L.up, d = L.down;
        for (int i = 0; i < kInter; ++i) {
            L.gate.row(i) = g.row(p[i]);
            L.up.row(i) = u.row(p[i]);
            L.down.col(i) = d.col(p[i]);
        }
        const auto h = st::random_permutation(kHeads, rng);
        MatrixF q = L.q, k = L.k, v = L.v, o = L.o;
        for (int i = 0; i < kHeads; ++i) {
            L.q.middleRows(i * kHeadDim, kHeadDim) = q.middleRows(h[i] * kHeadDim, kHeadDim);
            L.k.middleRows(i * kHeadDim, kHeadDim) = k.middleRows(h[i] * kHeadDim, kHeadDim);
            L.v.middleRows(i * kHeadDim, kHeadDim) = v.middleRows(h[i] * kHeadDim, kHeadDim);
            L.o.middleCols(i * kHeadDim, kHeadDim) = o.middleCols(h[i] * kHeadDim, kHeadDim);
        }
    }
    return t;
}

MatrixF fold(const MatrixF& w, const MatrixF& g) {
    MatrixF out = w;
    for (Eigen::Index c = 0; c < w.cols(); ++c) out.col(c) *= g(0, c);
    return out;
}

Tiny rotate_residual(Tiny t, std::uint64_t seed) {
    st::Rng rng(seed);
    Eigen::HouseholderQR<Eigen::MatrixXf> qr(gaussian(kHidden, kHidden, rng));
    const MatrixF r = Eigen::MatrixXf(qr.householderQ());
    const MatrixF ones = MatrixF::Ones(1, kHidden);
    t.embed = t.embed * r;
    t.lm_head = fold(t.lm_head, t.final_norm) * r;
    t.final_norm = ones;
    for (auto& L : t.layers) {
        L.q = fold(L.q, L.attn_norm) * r;
        L.k = fold(L.k, L.attn_norm) * r;
        L.v = fold(L.v, L.attn_norm) * r;
        L.o = r.transpose() * L.o;
        L.gate = fold(L.gate, L.mlp_norm) * r;
        L.up = fold(L.up, L.mlp_norm) * r;
        L.down = r.transpose() * L.down;
        L.attn_norm = ones;
        L.mlp_norm = ones;
    }
    return t;
}

Tiny add_noise(Tiny t, double rel, std::uint64_t seed, int lora_rank = 0) {
    st::Rng rng(seed);
    auto noisy = [&](MatrixF& m) {
        m += gaussian(m.rows(), m.cols(), rng, rel);
        if (lora_rank > 0) m += gaussian(m.rows(), lora_rank, rng, 0.3) * gaussian(lora_rank, m.cols(), rng, 0.3);
    };
    noisy(t.embed);
    noisy(t.lm_head);
    for (auto& L : t.layers)
        for (MatrixF* m : {&L.q, &L.k, &L.v, &L.o, &L.gate, &L.up, &L.down}) noisy(*m);
    return t;
}

Tiny remap_layers(Tiny t, const std::vector<int>& map) {
    std::vector<Tiny::Layer> out;
    for (int i : map) out.push_back(t.layers[i]);
    t.layers = out;
    return t;
}

CompareOptions fast_options(bool controls = false) {
    CompareOptions o;
    o.rule = default_verdict_rule();
    o.rule.cka_shuffles = 1000;
    o.run_controls = controls;
    return o;
}

// The three positive controls (noise, pruning, rotation) were run and each was detected.
void check_controls_detected(const CompareResult& r) {
    REQUIRE(r.controls_run);
    CHECK(r.controls.size() == 3);
    for (const auto& c : r.controls) {
        CAPTURE(c.name);
        CHECK(c.detected);
    }
}

}  // namespace

TEST_CASE("derived variants of a synthetic model are detected") {
    const Tiny base = random_model(1);
    const auto a = to_view(base, "A");
    const std::map<std::string, Tiny> variants = {
        {"neuron+head permuted", permute_neurons_and_heads(base, 2)},
        {"residual rotated, norms folded", rotate_residual(base, 3)},
        {"noised (0.5 std)", add_noise(base, 0.5, 4)},
        {"fine-tune-like (noise + low-rank)", add_noise(base, 0.3, 5, 4)},
        {"layer dropped", remap_layers(base, {0, 1, 3})},
        {"layers duplicated", remap_layers(base, {0, 1, 2, 1, 2, 3})},
        {"permuted and rotated", rotate_residual(permute_neurons_and_heads(base, 6), 7)},
    };
    for (const auto& [name, tiny] : variants) {
        CAPTURE(name);
        const auto b = to_view(tiny, name);
        const CompareResult r = compare_models(*a, *b, fast_options());
        CHECK(r.verdict == Verdict::derived);
        CHECK(r.neuron_neg_log10_p > 6);
        CHECK(r.attention_neg_log10_p > 2);
        if (name == "residual rotated, norms folded") CHECK(r.hidden.kind == "rotation");
        if (name == "layer dropped") {
            REQUIRE(r.layer_map_b_to_a.size() == 3);
            CHECK(r.layer_map_b_to_a == std::vector<std::int32_t>{0, 1, 3});
            CHECK(r.dropped_layers_a == std::vector<std::int32_t>{2});
        }
        if (name == "layers duplicated")
            CHECK(r.best_match_b_to_a == std::vector<std::int32_t>{0, 1, 2, 1, 2, 3});
    }
}

TEST_CASE("independently initialised models are not called derived; controls give the power") {
    const auto a = to_view(random_model(11), "A");
    const auto b = to_view(random_model(12), "B");
    const CompareResult r = compare_models(*a, *b, fast_options(true));
    CHECK(r.verdict != Verdict::derived);
    CHECK(r.neuron_neg_log10_p < 3);
    CHECK_FALSE(r.exact_reuse);
    check_controls_detected(r);
    CHECK(r.verdict == Verdict::independent);
    // The JSON record has the top-level fields the CLI contract promises.
    const auto j = compare_to_json(r);
    REQUIRE(j.find("verdict"));
    CHECK(j.find("verdict")->as_string() == "independent");
    REQUIRE(j.find("p_value"));
    CHECK(j.find("p_value")->is_number());
}

TEST_CASE("wide models: the controls are built from evenly spaced layers of A and still give the power") {
    // Width 32 counts as wide here (the rule's limit lowered), so 3 of A's 6 layers are sampled.
    const auto a = to_view(remap_layers(random_model(11), {0, 1, 2, 3, 0, 1}), "A");
    const auto b = to_view(remap_layers(random_model(12), {0, 1, 2, 3, 2, 3}), "B");
    CompareOptions o = fast_options(true);
    o.rule.control_all_layers_up_to_hidden = 16;
    o.rule.control_layers = 3;
    const CompareResult r = compare_models(*a, *b, o);
    check_controls_detected(r);
    CHECK(r.control_layers == std::vector<int>{0, 2, 5});
    CHECK(r.layers_a == 6);
    CHECK(r.verdict == Verdict::independent);
    const auto j = compare_to_json(r);
    const auto* pc = j.find("positive_controls");
    REQUIRE(pc);
    REQUIRE(pc->find("built_from_layers_of_a"));
    CHECK(pc->find("built_from_layers_of_a")->as_array().size() == 3);
    // At the default limit (hidden 1024) the same pair uses every layer.
    const CompareResult all = compare_models(*a, *b, fast_options(true));
    CHECK(all.control_layers.empty());
}

TEST_CASE("exact reuse is decisive") {
    const Tiny base = random_model(21);
    Tiny lifted = random_model(22);
    lifted.layers[0] = base.layers[0];  // a lifted block
    const auto a = to_view(base, "A"), b = to_view(lifted, "B");
    CompareOptions o = fast_options();
    o.rule.exact_reuse_min_elements = 1024;  // the tiny model's matrices are 32 x 32 .. 96 x 32
    const CompareResult r = compare_models(*a, *b, o);
    CHECK(r.exact_reuse);
    CHECK(r.verdict == Verdict::derived);
}

TEST_CASE("norm gains that share bf16 values are not exact reuse") {
    // Gains near 1 take few distinct bf16 values; read as one-element rows (how a checkpoint's
    // 1-D tensors arrive), two independent models share most of those "rows". Only longer rows
    // are sketched (a 7B-shaped A/B pair was called derived this way before).
    auto gains_model = [](const std::string& label, std::uint64_t seed) {
        st::Rng rng(seed);
        MatrixF g(512, 1);
        for (Eigen::Index k = 0; k < g.rows(); ++k)
            g(k, 0) = static_cast<float>(1.0 + std::round(10.0 * st::standard_normal(rng)) / 100.0);
        auto m = std::make_unique<MemoryModel>(label);
        m->add("model.layers.0.input_layernorm.weight", g);
        return m;
    };
    const auto a = gains_model("A", 1), b = gains_model("B", 2);
    const WeightSummary sa = summarize(*a), sb = summarize(*b);
    const VerdictRule rule = default_verdict_rule();
    PairContext ctx{*a, *b, sa, sb, rule, MatrixF(), false};
    std::vector<ComponentStat> stats;
    CHECK_FALSE(exact_reuse(ctx, stats));
    CHECK(stats.empty());
}

TEST_CASE("verdict_rule.json matches the built-in defaults") {
    const std::string path = default_rule_path();
    REQUIRE_FALSE(path.empty());
    const VerdictRule file = load_verdict_rule(path), built{};
    CHECK(file.derived_neg_log10_p == built.derived_neg_log10_p);
    CHECK(file.pearson_min_effect == built.pearson_min_effect);
    CHECK(file.cka_shuffles == built.cka_shuffles);
    CHECK(file.inside_null_neg_log10_p == built.inside_null_neg_log10_p);
    CHECK(file.attention_cka_independent_max == built.attention_cka_independent_max);
    CHECK(file.seed == built.seed);
    CHECK(file.control_all_layers_up_to_hidden == built.control_all_layers_up_to_hidden);
    CHECK(file.control_layers == built.control_layers);
    CHECK(file.cka_shuffles >= 1000);
}
