// Neuron matching's staged cells (CellStage in probes/weights/neuron_matching.h) must not change
// what a cell decides: on a block wide enough for the seeded subset (more than 2 x 2,048 neurons),
// a derived cell stops after the screening rows with evidence still far beyond the derived
// threshold, an unrelated cell goes on to the whole subset and reports that test's p-value, doubled
// for the two looks; the whole neuron_matching (with its shared prepared-row cache) gives the same
// evidence class as testing every cell on the whole subset at once.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "probes/stats/random.h"
#include "probes/weights/model_view.h"
#include "probes/weights/neuron_matching.h"
#include "probes/weights/pair_context.h"
#include "probes/weights/weight_summary.h"

using namespace lineage::probes::weights;
namespace st = lineage::probes::stats;

namespace {

constexpr int kHidden = 32, kInter = 4200, kLayers = 2, kVocab = 64;

MatrixF gaussian(Eigen::Index r, Eigen::Index c, st::Rng& rng, double sd = 1.0) {
    MatrixF m(r, c);
    for (Eigen::Index k = 0; k < m.size(); ++k) m.data()[k] = static_cast<float>(sd * st::standard_normal(rng));
    return m;
}

struct Layer {
    MatrixF gate, up;
};

std::vector<Layer> random_layers(st::Rng& rng) {
    std::vector<Layer> out;
    for (int l = 0; l < kLayers; ++l) out.push_back({gaussian(kInter, kHidden, rng), gaussian(kInter, kHidden, rng)});
    return out;
}

// Neurons permuted (gate and up rows together) plus noise: a fine-tune of the MLP.
std::vector<Layer> derived(const std::vector<Layer>& in, st::Rng& rng) {
    std::vector<Layer> out;
    for (const auto& l : in) {
        const auto p = st::random_permutation(kInter, rng);
        Layer d{gaussian(kInter, kHidden, rng, 0.4), gaussian(kInter, kHidden, rng, 0.4)};
        for (int i = 0; i < kInter; ++i) {
            d.gate.row(i) += l.gate.row(p[i]);
            d.up.row(i) += l.up.row(p[i]);
        }
        out.push_back(d);
    }
    return out;
}

std::unique_ptr<MemoryModel> to_view(const std::vector<Layer>& layers, const std::string& label, st::Rng& rng) {
    auto v = std::make_unique<MemoryModel>(label);
    v->add("model.embed_tokens.weight", gaussian(kVocab, kHidden, rng));
    v->add("model.norm.weight", MatrixF::Ones(1, kHidden), true);
    for (int l = 0; l < kLayers; ++l) {
        const std::string p = "model.layers." + std::to_string(l) + ".";
        v->add(p + "post_attention_layernorm.weight", MatrixF::Ones(1, kHidden), true);
        v->add(p + "mlp.gate_proj.weight", layers[static_cast<std::size_t>(l)].gate);
        v->add(p + "mlp.up_proj.weight", layers[static_cast<std::size_t>(l)].up);
        v->add(p + "mlp.down_proj.weight", gaussian(kHidden, kInter, rng));
    }
    return v;
}

}  // namespace

TEST_CASE("staged cells: derived stops after the screen, unrelated reports the whole subset x 2") {
    REQUIRE(neuron_subset_limit() == kNeuronSubsetRows);  // the subset is active at kInter neurons
    st::Rng rng(5);
    const auto base = random_layers(rng);
    const auto a = to_view(base, "A", rng), b = to_view(derived(base, rng), "A-ft", rng),
               c = to_view(random_layers(rng), "C", rng);
    const VerdictRule rule = default_verdict_rule();
    const WeightSummary sa = summarize(*a), sb = summarize(*b), sc = summarize(*c);
    const PairContext derived_ctx{*a, *b, sa, sb, rule, MatrixF(), false};
    const PairContext unrelated_ctx{*a, *c, sa, sc, rule, MatrixF(), false};
    const auto ba = mlp_blocks(*a, 0), bb = mlp_blocks(*b, 0), bc = mlp_blocks(*c, 0);
    REQUIRE(ba.size() == 1);

    const BlockMatch d_full = match_blocks(derived_ctx, ba[0], bb[0], CellStage::full);
    const BlockMatch d_staged = match_blocks(derived_ctx, ba[0], bb[0], CellStage::diagonal);
    CHECK_FALSE(d_full.screened);
    CHECK(d_full.neurons == kNeuronSubsetRows);
    CHECK(d_staged.screened);
    CHECK(d_staged.neurons == kScreenRows);
    CHECK(d_staged.neg_log10_p >= kDecisiveEvidence - std::log10(2.0));
    CHECK(d_full.neg_log10_p > d_staged.neg_log10_p);
    CHECK(d_staged.spearman > 0.9);

    const BlockMatch u_full = match_blocks(unrelated_ctx, ba[0], bc[0], CellStage::full);
    const BlockMatch u_staged = match_blocks(unrelated_ctx, ba[0], bc[0], CellStage::diagonal);
    CHECK_FALSE(u_staged.screened);
    CHECK(u_staged.neurons == kNeuronSubsetRows);
    CHECK(u_staged.spearman == doctest::Approx(u_full.spearman));
    CHECK(u_staged.neg_log10_p == doctest::Approx(std::max(0.0, u_full.neg_log10_p - std::log10(2.0))));
    CHECK(u_full.neg_log10_p < rule.derived_neg_log10_p);

    // Whole neuron matching (cache shared by the cells): derived beyond the threshold, unrelated not.
    const NeuronMatchingResult nd = neuron_matching(derived_ctx), nu = neuron_matching(unrelated_ctx);
    CHECK(nd.combined_neg_log10_p > rule.derived_neg_log10_p);
    CHECK(nu.combined_neg_log10_p < rule.derived_neg_log10_p);
    for (int l = 0; l < kLayers; ++l) CHECK(nd.best_a_for_b[static_cast<std::size_t>(l)] == l);
    // The cached diagonal cell equals the uncached staged one.
    CHECK(nd.cells[0].best.neg_log10_p == doctest::Approx(d_staged.neg_log10_p));
}
