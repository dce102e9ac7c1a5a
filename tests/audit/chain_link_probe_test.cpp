// The link probe (probes/weights/link_probe.h) and its use by the chain audit (issue 9: links must
// be cheap and still show dependence far beyond the nulls). On synthetic models built in memory: a
// training step (noise on every matrix) and a step with MLP neurons and heads relabelled are shown
// dependent, at the full probe's thresholds; independently initialised pairs are not, and their
// neuron and attention p-values are not smaller than uniform ones; a successor with a rotated
// residual stream is not shown dependent by the link probe (stored bases) - the full probe then
// decides. On the mini zoo: run_chain gives the same verdict and link statuses with and without
// the link probe; B's links are decided by the link probe; the spliced run's break and A-permrot
// (A with a rotated, permuted residual) are decided by the full probe, controls included.
#include <doctest/doctest.h>

#include <Eigen/QR>
#include <cmath>
#include <string>
#include <vector>

#include "audit/chain/chain_run.h"
#include "probes/stats/random.h"
#include "probes/weights/compare.h"
#include "probes/weights/link_probe.h"
#include "probes/weights/model_view.h"

using namespace lineage;
using namespace lineage::probes::weights;
namespace st = lineage::probes::stats;

namespace {

constexpr int kHidden = 48, kLayers = 3, kInter = 600, kHeads = 4, kHeadDim = 8;

struct Layer {
    MatrixF q, k, gate, up, attn_norm, mlp_norm;
};

MatrixF gaussian(Eigen::Index r, Eigen::Index c, st::Rng& rng, double sd = 1.0) {
    MatrixF m(r, c);
    for (Eigen::Index k = 0; k < m.size(); ++k) m.data()[k] = static_cast<float>(sd * st::standard_normal(rng));
    return m;
}

std::vector<Layer> random_layers(std::uint64_t seed) {
    st::Rng rng(seed);
    std::vector<Layer> layers;
    for (int l = 0; l < kLayers; ++l) {
        Layer L;
        L.q = gaussian(kHeads * kHeadDim, kHidden, rng);
        L.k = gaussian(kHeads * kHeadDim, kHidden, rng);
        L.gate = gaussian(kInter, kHidden, rng);
        L.up = gaussian(kInter, kHidden, rng);
        L.attn_norm = MatrixF::Ones(1, kHidden);
        L.mlp_norm = MatrixF::Ones(1, kHidden);
        layers.push_back(L);
    }
    return layers;
}

std::unique_ptr<MemoryModel> view(const std::vector<Layer>& layers, const std::string& label) {
    auto m = std::make_unique<MemoryModel>(label);
    for (std::size_t l = 0; l < layers.size(); ++l) {
        const Layer& L = layers[l];
        const std::string p = "model.layers." + std::to_string(l) + ".";
        m->add(p + "self_attn.q_proj.weight", L.q);
        m->add(p + "self_attn.k_proj.weight", L.k);
        m->add(p + "mlp.gate_proj.weight", L.gate);
        m->add(p + "mlp.up_proj.weight", L.up);
        m->add(p + "input_layernorm.weight", L.attn_norm, true);
        m->add(p + "post_attention_layernorm.weight", L.mlp_norm, true);
    }
    return m;
}

// A training step: every matrix plus noise of `rel` times its entries' scale.
std::vector<Layer> step(std::vector<Layer> t, double rel, std::uint64_t seed) {
    st::Rng rng(seed);
    for (auto& L : t)
        for (MatrixF* m : {&L.q, &L.k, &L.gate, &L.up}) *m += gaussian(m->rows(), m->cols(), rng, rel);
    return t;
}

std::vector<Layer> relabel(std::vector<Layer> t, std::uint64_t seed) {
    st::Rng rng(seed);
    for (auto& L : t) {
        const auto p = st::random_permutation(kInter, rng);
        const MatrixF g = L.gate, u = L.up;
        for (int i = 0; i < kInter; ++i) L.gate.row(i) = g.row(p[i]), L.up.row(i) = u.row(p[i]);
        const auto h = st::random_permutation(kHeads, rng);
        const MatrixF q = L.q, k = L.k;
        for (int i = 0; i < kHeads; ++i) {
            L.q.middleRows(i * kHeadDim, kHeadDim) = q.middleRows(h[i] * kHeadDim, kHeadDim);
            L.k.middleRows(i * kHeadDim, kHeadDim) = k.middleRows(h[i] * kHeadDim, kHeadDim);
        }
    }
    return t;
}

std::vector<Layer> rotate_inputs(std::vector<Layer> t, std::uint64_t seed) {
    st::Rng rng(seed);
    Eigen::HouseholderQR<Eigen::MatrixXf> qr(gaussian(kHidden, kHidden, rng));
    const MatrixF r = Eigen::MatrixXf(qr.householderQ());
    for (auto& L : t)
        for (MatrixF* m : {&L.q, &L.k, &L.gate, &L.up}) *m = *m * r;
    return t;
}

LinkProbeOptions options() {
    LinkProbeOptions o;
    o.rule = default_verdict_rule();
    return o;
}

const std::string kZoo = std::string(LINEAGE_SOURCE_DIR) + "/tests/data/minizoo/";

audit::ChainResult chain(const std::vector<std::pair<int, std::string>>& steps, bool full_links,
                         std::vector<std::string> bases = {}) {
    audit::ChainOptions o;
    for (const auto& [s, dir] : steps) o.manifest.checkpoints.push_back({s, kZoo + dir, std::int64_t{s} * 512, ""});
    o.manifest.source = "test";
    for (auto& b : bases) b = kZoo + b;
    o.bases = bases;
    o.full_links = full_links;
    return audit::run_chain(o, reports::Language::en, {});
}

}  // namespace

TEST_CASE("link probe: a training step descends, at the full probe's thresholds") {
    const auto base = random_layers(1);
    const auto a = view(base, "A");
    const VerdictRule rule = default_verdict_rule();
    for (const auto& [name, layers] : std::vector<std::pair<std::string, std::vector<Layer>>>{
             {"noise 0.5", step(base, 0.5, 2)}, {"relabelled + noise 0.3", step(relabel(base, 3), 0.3, 4)}}) {
        CAPTURE(name);
        const auto b = view(layers, name);
        const LinkProbeResult r = probe_link(*a, *b, options());
        CHECK(r.not_applicable.empty());
        CHECK(r.dependent);
        CHECK(r.neuron_neg_log10_p >= rule.neuron_threshold());
        CHECK(r.attention_neg_log10_p >= rule.attention_corroboration_neg_log10_p);
        REQUIRE(r.layers.size() == kLayers);
        for (const auto& l : r.layers) {
            CHECK(l.neurons == 256);  // the fixed subset of A's 600 neurons
            CHECK(l.dims == kHidden);
            CHECK(l.shuffles == 199);  // a layer beyond its null runs every draw: p = 1/200
            CHECK(l.cka_p == doctest::Approx(1.0 / 200));
            CHECK(l.cka_z > 5.0);
        }
        // The full probe agrees.
        CompareOptions full;
        full.rule = rule;
        full.run_controls = false;
        CHECK(compare_models(*a, *b, full).verdict == Verdict::derived);
    }
}

TEST_CASE("link probe: independent pairs are not dependent and their p-values are not small") {
    int neuron_small = 0, attention_small = 0, layers = 0;
    double neuron_p_sum = 0.0;
    for (std::uint64_t s = 0; s < 20; ++s) {
        const auto a = view(random_layers(100 + 2 * s), "A"), b = view(random_layers(101 + 2 * s), "B");
        LinkProbeOptions o = options();
        o.seed = 7 + s;
        const LinkProbeResult r = probe_link(*a, *b, o);
        CHECK_FALSE(r.dependent);
        for (const auto& l : r.layers) {
            ++layers;
            neuron_small += l.neuron_neg_log10_p >= 2.0;
            attention_small += l.cka_p <= 0.01;
            neuron_p_sum += std::pow(10.0, -l.neuron_neg_log10_p);
        }
    }
    REQUIRE(layers == 60);
    // Uniform p-values: about 0.6 of 60 below 0.01, mean 0.5.
    CHECK(neuron_small <= 4);
    CHECK(attention_small <= 4);
    CHECK(neuron_p_sum / layers == doctest::Approx(0.5).epsilon(0.3));
}

TEST_CASE("link probe: a rotated residual stream is left to the full probe") {
    const auto base = random_layers(5);
    const auto a = view(base, "A"), b = view(rotate_inputs(step(base, 0.2, 6), 7), "B");
    const LinkProbeResult r = probe_link(*a, *b, options());
    CHECK_FALSE(r.dependent);
    // Layers that do not pair by index: not applicable at all.
    auto shorter = base;
    shorter.pop_back();
    const LinkProbeResult n = probe_link(*a, *view(shorter, "short"), options());
    CHECK_FALSE(n.dependent);
    CHECK_FALSE(n.not_applicable.empty());
}

TEST_CASE("chain: the link probe changes no verdict on the mini zoo") {
    const std::vector<std::pair<int, std::string>> b_run = {
        {0, "checkpoints/B/step-000000"}, {250, "checkpoints/B/step-000250"}, {500, "B"}};
    const auto fast = chain(b_run, false), full = chain(b_run, true);
    CHECK(fast.verdict == audit::ChainVerdict::proven);
    CHECK(full.verdict == fast.verdict);
    REQUIRE(fast.links.size() == 2);
    for (std::size_t i = 0; i < fast.links.size(); ++i) {
        CHECK(fast.links[i].dependence.probe == "link");
        CHECK(full.links[i].dependence.probe == "full");
        CHECK(fast.links[i].status == full.links[i].status);
        CHECK(fast.links[i].dependence.neg_log10_p >= 6.0);
    }

    // Spliced: the break is the full probe's, with its positive controls.
    const auto spliced = chain({{0, "checkpoints/B/step-000000"}, {250, "A"}, {500, "B"}}, false);
    CHECK(spliced.verdict == audit::ChainVerdict::broken);
    REQUIRE(spliced.broken_at.has_value());
    CHECK(*spliced.broken_at == 1);
    for (const auto& l : spliced.links) {
        CHECK(l.dependence.probe == "full");
        CHECK(l.dependence.verdict == "independent");
        CHECK(l.dependence.controls_run);
    }

    // A with its residual stream rotated and permuted: not shown by the link probe, derived by the
    // full probe through the recovered map.
    const auto permrot = chain({{0, "A"}, {1, "A-permrot"}}, false);
    REQUIRE(permrot.links.size() == 1);
    CHECK(permrot.links[0].dependence.verdict == "derived");
    CHECK(permrot.links[0].dependence.probe == "full");
}
