// The tower comparison when the copied tower's hidden units were permuted before fine-tuning: a
// synthetic VLM's vision tower (tests/probes/synthetic_vlm.h) is copied from A, perturbed (the
// fine-tune stand-in) and then permuted at test time the way that keeps its function: a signed
// permutation of the tower's width (every tensor that reads or writes it), a permutation of the
// attention heads (qkv rows, proj columns) and of every block's MLP neurons (gate/up rows, down
// columns). Element by element nothing lines up any more; the permutation-robust pass
// (probes/weights/tower_compare_matching.h) still finds the tower derived, block by block, and
// an independent tower permuted the same way stays independent.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "probes/stats/random.h"
#include "probes/weights/compare.h"
#include "probes/weights/tower_compare_matching.h"
#include "synthetic_vlm.h"

using namespace lineage::probes::weights;
using lineage::test::synthetic_vlm;
namespace stats = lineage::probes::stats;
using lineage::test::find_tower;
using lineage::test::tower_test_options;

namespace {

constexpr int kWidth = 64, kHeads = 4, kHeadDim = kWidth / kHeads, kInter = 128;

struct TowerPermutation {
    std::vector<std::int32_t> width, heads, neurons;
    std::vector<float> sign;
};

TowerPermutation draw_permutation(std::uint64_t seed) {
    stats::Rng rng(seed);
    TowerPermutation p;
    p.width = stats::random_permutation(kWidth, rng);
    p.heads = stats::random_permutation(kHeads, rng);
    p.neurons = stats::random_permutation(kInter, rng);
    for (int i = 0; i < kWidth; ++i) p.sign.push_back(stats::uniform01(rng) < 0.5 ? -1.0f : 1.0f);
    return p;
}

// Index maps: new position i takes old position map[i].
std::vector<std::int32_t> head_rows(const std::vector<std::int32_t>& heads, int parts) {
    std::vector<std::int32_t> rows;
    for (int part = 0; part < parts; ++part)
        for (int h : heads)
            for (int d = 0; d < kHeadDim; ++d) rows.push_back(part * kWidth + h * kHeadDim + d);
    return rows;
}

MatrixF take_rows(const MatrixF& m, const std::vector<std::int32_t>& map, const std::vector<float>* sign = nullptr) {
    MatrixF out(m.rows(), m.cols());
    for (Eigen::Index i = 0; i < m.rows(); ++i)
        out.row(i) = m.row(map[static_cast<std::size_t>(i)]) * (sign ? (*sign)[static_cast<std::size_t>(i)] : 1.0f);
    return out;
}

MatrixF take_cols(const MatrixF& m, const std::vector<std::int32_t>& map, const std::vector<float>* sign = nullptr) {
    return take_rows(m.transpose(), map, sign).transpose();
}

// `src` with its vision tower permuted by `p`; everything else as it is.
std::unique_ptr<MemoryModel> permuted_copy(const ModelView& src, const TowerPermutation& p) {
    auto out = std::make_unique<MemoryModel>(src.label() + "-perm");
    const auto heads3 = head_rows(p.heads, 3), heads1 = head_rows(p.heads, 1);
    for (const auto& t : src.tensors()) {
        MatrixF w = src.read(t);
        const std::string& n = t.name;
        auto ends = [&](const char* suffix) { return n.ends_with(suffix); };
        if (t.role.tower == "vision") {
            if (ends("patch_embed.proj.weight")) w = take_rows(w, p.width, &p.sign);
            else if (ends("attn.qkv.weight")) w = take_cols(take_rows(w, heads3), p.width, &p.sign);
            else if (ends("attn.proj.weight")) w = take_cols(take_rows(w, p.width, &p.sign), heads1);
            else if (ends("mlp.gate_proj.weight") || ends("mlp.up_proj.weight"))
                w = take_cols(take_rows(w, p.neurons), p.width, &p.sign);
            else if (ends("mlp.down_proj.weight")) w = take_cols(take_rows(w, p.width, &p.sign), p.neurons);
            else if (ends("norm1.weight") || ends("norm2.weight")) w = take_rows(w, p.width);  // read as [width, 1]
        }
        out->add(n, w, t.shape.size() == 1);
    }
    return out;
}

}  // namespace

TEST_CASE("a lifted tower with permuted width, heads and MLP neurons is still derived") {
    const auto a = synthetic_vlm("A", {.language_seed = 1, .vision_seed = 2, .projector_seed = 3});
    const auto tuned = synthetic_vlm("B", {.language_seed = 11, .vision_seed = 2, .projector_seed = 13,
                                           .vision_noise = 0.5});
    const auto b = permuted_copy(*tuned, draw_permutation(99));
    const CompareResult r = compare_models(*a, *b, tower_test_options());

    CHECK(r.language_model_verdict == Verdict::independent);
    CHECK(r.verdict == Verdict::derived);
    const TowerOutcome* v = find_tower(r, "vision");
    REQUIRE(v);
    CHECK(v->verdict == Verdict::derived);
    CHECK(v->reason.find("permuted") != std::string::npos);
    CHECK(v->neg_log10_p > 6);
    // Element by element the permuted tower looks independent: no Pearson pair is beyond its null.
    int matched = 0, beyond = 0;
    bool map_recovered = false;
    for (const auto& s : r.stats) {
        if (s.component != "vision") continue;
        if (s.family == "pearson") CHECK_FALSE(s.beyond_null);
        if (s.family == "neuron_matching" && !s.descriptive) {
            ++matched;
            beyond += s.beyond_null;
            CHECK(s.statistic.find("signed permutation") != std::string::npos);
        }
        if (s.family == "neuron_matching" && s.descriptive) map_recovered = s.value > 0.8;
    }
    CHECK(map_recovered);
    CHECK(matched == 3 * 5);  // 5 matrices per block; the patch embedding gave the map
    CHECK(beyond == matched);
    // Block by block: every block of the tower carries the evidence (block -1, the patch embedding,
    // gave the map: context only, its filters converge between independent encoders).
    REQUIRE(v->blocks.size() == 4);
    CHECK(v->blocks[0].block == -1);
    CHECK(v->blocks[0].max_neg_log10_p < 3);
    for (std::size_t i = 1; i < v->blocks.size(); ++i) {
        CAPTURE(v->blocks[i].block);
        CHECK(v->blocks[i].max_neg_log10_p > 6);
    }
}

TEST_CASE("an independent tower permuted the same way stays independent") {
    const auto a = synthetic_vlm("A", {.language_seed = 1, .vision_seed = 2, .projector_seed = 3});
    const auto other = synthetic_vlm("B", {.language_seed = 11, .vision_seed = 12, .projector_seed = 13});
    const auto b = permuted_copy(*other, draw_permutation(99));
    const CompareResult r = compare_models(*a, *b, tower_test_options());
    CHECK(r.verdict == Verdict::independent);
    const TowerOutcome* v = find_tower(r, "vision");
    REQUIRE(v);
    CHECK(v->verdict == Verdict::independent);
    CHECK(v->neg_log10_p < 3);
    for (const auto& s : r.stats)
        if (s.component == "vision" && s.family == "neuron_matching") {
            CAPTURE(s.statistic);
            CHECK_FALSE(s.beyond_null);
        }
}

TEST_CASE("neuron matching on one tensor: row and column permutations, and its null") {
    stats::Rng rng(5);
    MatrixF a(96, 64);
    for (Eigen::Index k = 0; k < a.size(); ++k) a.data()[k] = static_cast<float>(stats::standard_normal(rng));
    MatrixF noisy = a;
    for (Eigen::Index k = 0; k < a.size(); ++k) noisy.data()[k] += static_cast<float>(0.5 * stats::standard_normal(rng));
    const TowerHiddenMap none;
    const auto rows = stats::random_permutation(96, rng), cols = stats::random_permutation(64, rng);
    const VerdictRule rule = default_verdict_rule();

    const MatchingTest by_rows = neuron_matching_test(a, take_rows(noisy, rows), none, 0, rng);
    CHECK(by_rows.rows);
    CHECK(by_rows.statistic > 0.85);  // 1/sqrt(1 + 0.5^2) = 0.894
    CHECK(matching_beyond(by_rows, rule));
    const MatchingTest by_cols = neuron_matching_test(a, take_cols(noisy, cols), none, 0, rng);
    CHECK_FALSE(by_cols.rows);
    CHECK(matching_beyond(by_cols, rule));

    MatrixF other(96, 64);
    for (Eigen::Index k = 0; k < other.size(); ++k) other.data()[k] = static_cast<float>(stats::standard_normal(rng));
    const MatchingTest independent = neuron_matching_test(a, other, none, 0, rng);
    CHECK_FALSE(matching_beyond(independent, rule));
    CHECK(independent.neg_log10_p < 3);
    CHECK(independent.statistic == doctest::Approx(independent.null_mean).epsilon(0.1));
}
