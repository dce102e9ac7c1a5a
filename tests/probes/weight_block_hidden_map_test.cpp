// The hidden map from block weights (probes/weights/block_hidden_map.h) on tiny synthetic models
// built in memory: B is an unrelated model (own embeddings, own layers 2-3) whose layers 0-1 are
// A's, copied into a rotated or a signed-permuted residual basis (norm gains folded, MLP neurons
// and heads shuffled). The embedding map cannot see it; the block map recovers the basis change
// and compare calls the pair derived. Two independent models get no block map and stay
// non-derived.
#include <doctest/doctest.h>

#include <Eigen/QR>
#include <memory>
#include <string>
#include <vector>

#include "probes/stats/random.h"
#include "probes/weights/block_hidden_map.h"
#include "probes/weights/compare.h"
#include "probes/weights/model_view.h"
#include "probes/weights/weight_summary.h"

using namespace lineage::probes::weights;
namespace st = lineage::probes::stats;

namespace {

constexpr int kVocab = 256, kLayers = 4, kHeads = 4, kHeadDim = 8;
// The hidden and MLP widths; one case widens them past the screen's kScreenDims (256) to run that
// path (the MLP wider than the hidden, as in real models, so that M has full rank).
int kHidden = 32, kInter = 96;

struct Layer {
    MatrixF q, k, v, o, gate, up, down, attn_norm, mlp_norm;
};
struct Model {
    MatrixF embed, lm_head, final_norm;
    std::vector<Layer> layers;
};

MatrixF gaussian(Eigen::Index r, Eigen::Index c, st::Rng& rng, double sd = 1.0) {
    MatrixF m(r, c);
    for (Eigen::Index k = 0; k < m.size(); ++k) m.data()[k] = static_cast<float>(sd * st::standard_normal(rng));
    return m;
}

MatrixF gains(st::Rng& rng) {
    MatrixF g(1, kHidden);
    for (int k = 0; k < kHidden; ++k) g(0, k) = static_cast<float>(1.0 + 0.3 * st::standard_normal(rng));
    return g;
}

// Anisotropic hidden-side structure (as training gives), so that the invariants have a spectrum.
MatrixF shaped(Eigen::Index r, st::Rng& rng) {
    MatrixF m = gaussian(r, kHidden, rng);
    for (int c = 0; c < kHidden; ++c) m.col(c) *= static_cast<float>(0.3 + 2.0 * c / kHidden);
    return m;
}

Model random_model(std::uint64_t seed) {
    st::Rng rng(seed);
    Model t;
    t.embed = gaussian(kVocab, kHidden, rng);
    t.lm_head = gaussian(kVocab, kHidden, rng);
    t.final_norm = gains(rng);
    for (int l = 0; l < kLayers; ++l) {
        Layer L;
        L.q = shaped(kHeads * kHeadDim, rng);
        L.k = shaped(kHeads * kHeadDim, rng);
        L.v = shaped(kHeads * kHeadDim, rng);
        L.o = MatrixF(shaped(kHeads * kHeadDim, rng).transpose());
        L.gate = shaped(kInter, rng);
        L.up = shaped(kInter, rng);
        L.down = MatrixF(shaped(kInter, rng).transpose());
        L.attn_norm = gains(rng);
        L.mlp_norm = gains(rng);
        t.layers.push_back(L);
    }
    return t;
}

std::unique_ptr<MemoryModel> to_view(const Model& t, const std::string& label) {
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

// A's layer moved into the basis x' = Q x: gains folded into the reading matrices (W Q' after
// W diag(g)), writing matrices Q W; MLP neurons and heads shuffled.
Layer lifted(const Layer& a, const MatrixF& q, st::Rng& rng) {
    Layer L;
    auto fold = [&](const MatrixF& w, const MatrixF& g) {
        MatrixF f = w;
        for (int c = 0; c < kHidden; ++c) f.col(c) *= g(0, c);
        return MatrixF(f * q.transpose());
    };
    L.q = fold(a.q, a.attn_norm), L.k = fold(a.k, a.attn_norm), L.v = fold(a.v, a.attn_norm);
    L.o = q * a.o;
    L.gate = fold(a.gate, a.mlp_norm), L.up = fold(a.up, a.mlp_norm);
    L.down = q * a.down;
    L.attn_norm = MatrixF::Ones(1, kHidden), L.mlp_norm = MatrixF::Ones(1, kHidden);
    const auto p = st::random_permutation(kInter, rng);
    const Layer c = L;
    for (int i = 0; i < kInter; ++i) {
        L.gate.row(i) = c.gate.row(p[i]);
        L.up.row(i) = c.up.row(p[i]);
        L.down.col(i) = c.down.col(p[i]);
    }
    const auto h = st::random_permutation(kHeads, rng);
    for (int i = 0; i < kHeads; ++i) {
        L.q.middleRows(i * kHeadDim, kHeadDim) = c.q.middleRows(h[i] * kHeadDim, kHeadDim);
        L.k.middleRows(i * kHeadDim, kHeadDim) = c.k.middleRows(h[i] * kHeadDim, kHeadDim);
        L.v.middleRows(i * kHeadDim, kHeadDim) = c.v.middleRows(h[i] * kHeadDim, kHeadDim);
        L.o.middleCols(i * kHeadDim, kHeadDim) = c.o.middleCols(h[i] * kHeadDim, kHeadDim);
    }
    return L;
}

MatrixF random_rotation(st::Rng& rng) {
    const MatrixF g = gaussian(kHidden, kHidden, rng);
    return MatrixF(Eigen::HouseholderQR<MatrixF>(g).householderQ());
}

MatrixF random_signed_permutation(st::Rng& rng) {
    const auto p = st::random_permutation(kHidden, rng);
    MatrixF m = MatrixF::Zero(kHidden, kHidden);
    for (int i = 0; i < kHidden; ++i) m(i, p[i]) = st::standard_normal(rng) < 0 ? -1.0f : 1.0f;
    return m;
}

// B = an unrelated model (seed 77) whose layers 0-1 are A's, moved into the basis Q.
Model lift(const Model& a, const MatrixF& q) {
    Model b = random_model(77);
    st::Rng rng(5);
    for (int l = 0; l < 2; ++l) b.layers[l] = lifted(a.layers[l], q, rng);
    return b;
}

BlockHiddenMap block_map(const ModelView& a, const ModelView& b) {
    const VerdictRule rule;
    const WeightSummary sa = summarize(a), sb = summarize(b);
    PairContext ctx{a, b, sa, sb, rule, MatrixF(), false};
    std::vector<ComponentStat> stats;
    BlockHiddenMap m = block_hidden_map(ctx, stats);
    REQUIRE(stats.size() == 1);
    CHECK(stats[0].family == "hidden_map");
    return m;
}

}  // namespace

TEST_CASE("block hidden map: A's layers lifted into a rotated basis under unrelated embeddings") {
    const Model a = random_model(11);
    st::Rng rng(3);
    const MatrixF q = random_rotation(rng);
    const auto va = to_view(a, "A"), vb = to_view(lift(a, q), "B-lift-rot");
    const BlockHiddenMap m = block_map(*va, *vb);
    CHECK(m.recovered);
    CHECK(m.kind == "rotation");
    CHECK(m.layer_a == m.layer_b);
    CHECK(m.layer_a < 2);
    CHECK(m.rotation_fit > 0.99);
    CHECK(m.null_max < 0.5);
    // W_A M = W_B for the lifted blocks: M = Q'.
    REQUIRE(m.map.rows() == kHidden);
    CHECK((m.map - MatrixF(q.transpose())).norm() < 1e-3 * kHidden);

    CompareOptions options;
    options.run_controls = false;
    const CompareResult r = compare_models(*va, *vb, options);
    CHECK(r.verdict == Verdict::derived);
    CHECK(r.hidden.kind == "rotation");
    CHECK(r.hidden.source.find("block weights of layer") != std::string::npos);
}

TEST_CASE("block hidden map: A's layers lifted into a signed-permuted basis") {
    const Model a = random_model(12);
    st::Rng rng(4);
    const MatrixF p = random_signed_permutation(rng);
    const auto va = to_view(a, "A"), vb = to_view(lift(a, p), "B-lift-perm");
    const BlockHiddenMap m = block_map(*va, *vb);
    CHECK(m.recovered);
    CHECK(m.kind == "signed_permutation");
    CHECK(m.layer_a < 2);
    CHECK((m.map - MatrixF(p.transpose())).norm() == doctest::Approx(0.0));

    CompareOptions options;
    options.run_controls = false;
    const CompareResult r = compare_models(*va, *vb, options);
    CHECK(r.verdict == Verdict::derived);
    CHECK(r.hidden.kind == "signed_permutation");
}

TEST_CASE("block hidden map: independent models get no map and are not derived") {
    for (std::uint64_t seed : {21u, 22u, 23u}) {
        const auto va = to_view(random_model(seed), "A"), vb = to_view(random_model(seed + 100), "B");
        const BlockHiddenMap m = block_map(*va, *vb);
        CHECK_FALSE(m.recovered);
        CHECK(m.kind == "none");
        CHECK(m.map.size() == 0);
        CompareOptions options;
        options.run_controls = false;
        const CompareResult r = compare_models(*va, *vb, options);
        CHECK(r.verdict != Verdict::derived);
        CHECK(r.hidden.source.empty());
    }
}

TEST_CASE("block hidden map: hidden wider than the screen's eigen-directions (compact screen path)") {
    kHidden = 320, kInter = 768;
    const Model a = random_model(13);
    st::Rng rng(6);
    const MatrixF q = random_rotation(rng);
    const auto va = to_view(a, "A"), vb = to_view(lift(a, q), "B-lift-rot");
    const BlockHiddenMap m = block_map(*va, *vb);
    const auto vi = to_view(random_model(14), "I");
    const BlockHiddenMap none = block_map(*va, *vi);
    kHidden = 32, kInter = 96;
    CHECK(m.recovered);
    CHECK(m.kind == "rotation");
    CHECK(m.layer_a < 2);
    REQUIRE(m.map.rows() == 320);
    CHECK((m.map - MatrixF(q.transpose())).norm() < 0.05);
    CHECK_FALSE(none.recovered);
}
