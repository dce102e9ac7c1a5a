// The tower comparison against the two disguises the permutation pass alone does not undo:
//  - a vision tower ROTATED in its width after copying (norm gains folded into the linears that
//    read the normed stream first, since only a gain-free RMSNorm commutes with a rotation; the
//    patch embedding's and every writer's rows become Q W, every reader W Q'), then perturbed (the
//    fine-tune stand-in): the tower's hidden map falls back to a held-out orthogonal Procrustes fit
//    on the patch embedding and the blocks are matched through it;
//  - a projector (the merger) copied with its intermediate neurons permuted (mlp.0 rows, mlp.2
//    columns), then perturbed: matched neuron by neuron on column-standardised vectors.
// And the false-positive guards: an independent tower rotated the same way stays independent (its
// rotation control found), and an independently initialised merger that shares the copied
// tower's per-feature scales and means is not called derived.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <Eigen/QR>

#include "probes/stats/random.h"
#include "probes/weights/compare.h"
#include "probes/weights/tower_compare_matching.h"
#include "synthetic_vlm.h"

using namespace lineage::probes::weights;
using lineage::test::synthetic_gaussian;
using lineage::test::synthetic_vlm;
namespace stats = lineage::probes::stats;
using lineage::test::find_tower;
using lineage::test::tower_test_options;

namespace {

constexpr int kWidth = 64;

MatrixF haar_orthogonal(int n, std::uint64_t seed) {
    stats::Rng rng(seed);
    Eigen::MatrixXd g(n, n);
    for (Eigen::Index k = 0; k < g.size(); ++k) g.data()[k] = stats::standard_normal(rng);
    const Eigen::HouseholderQR<Eigen::MatrixXd> qr(g);
    return Eigen::MatrixXd(qr.householderQ()).cast<float>();
}

// A 1-D gain as a row vector, whatever orientation the view reads it in.
Eigen::RowVectorXf gain(const ModelView& m, const std::string& name) {
    for (const auto& t : m.tensors())
        if (t.name == name) {
            const MatrixF g = m.read(t);
            return Eigen::Map<const Eigen::RowVectorXf>(g.data(), g.size());
        }
    FAIL("no tensor " << name);
    return {};
}

// `src` with its vision tower rotated by `q` in its width (function-preserving; norms folded).
std::unique_ptr<MemoryModel> rotated_copy(const ModelView& src, const MatrixF& q) {
    auto out = std::make_unique<MemoryModel>(src.label() + "-rot");
    for (const auto& t : src.tensors()) {
        MatrixF w = src.read(t);
        const std::string& n = t.name;
        auto ends = [&](const char* suffix) { return n.ends_with(suffix); };
        const std::string block = n.substr(0, n.rfind(".blocks.") == std::string::npos ? 0 : n.find('.', n.find(".blocks.") + 8) + 1);
        if (t.role.tower == "vision") {
            if (ends("patch_embed.proj.weight") || ends("attn.proj.weight") || ends("mlp.down_proj.weight")) {
                w = q * w;
            } else if (ends("attn.qkv.weight")) {
                w = w * gain(src, block + "norm1.weight").asDiagonal() * q.transpose();
            } else if (ends("mlp.gate_proj.weight") || ends("mlp.up_proj.weight")) {
                w = w * gain(src, block + "norm2.weight").asDiagonal() * q.transpose();
            } else if (ends("norm1.weight") || ends("norm2.weight")) {
                w.setOnes();
            }
        } else if (t.role.tower == "projector") {
            if (ends("merger.mlp.0.weight")) {
                const Eigen::RowVectorXf g = gain(src, "visual.merger.ln_q.weight");
                for (int grp = 0; grp < w.cols() / kWidth; ++grp)
                    w.middleCols(grp * kWidth, kWidth) = w.middleCols(grp * kWidth, kWidth) * g.asDiagonal() * q.transpose();
            } else if (ends("merger.ln_q.weight")) {
                w.setOnes();
            }
        }
        out->add(n, w, t.shape.size() == 1);
    }
    return out;
}

// `src` with its merger's intermediate neurons permuted and noise added to both its layers.
std::unique_ptr<MemoryModel> projector_permuted_copy(const ModelView& src, std::uint64_t seed, double noise) {
    stats::Rng rng(seed);
    auto out = std::make_unique<MemoryModel>(src.label() + "-projperm");
    const auto perm = stats::random_permutation(4 * kWidth, rng);
    for (const auto& t : src.tensors()) {
        MatrixF w = src.read(t);
        if (t.name.ends_with("merger.mlp.0.weight")) {
            MatrixF p(w.rows(), w.cols());
            for (Eigen::Index i = 0; i < w.rows(); ++i) p.row(i) = w.row(perm[static_cast<std::size_t>(i)]);
            w = p + synthetic_gaussian(w.rows(), w.cols(), rng, noise);
        } else if (t.name.ends_with("merger.mlp.2.weight")) {
            MatrixF p(w.rows(), w.cols());
            for (Eigen::Index j = 0; j < w.cols(); ++j) p.col(j) = w.col(perm[static_cast<std::size_t>(j)]);
            w = p + synthetic_gaussian(w.rows(), w.cols(), rng, noise);
        }
        out->add(t.name, w, t.shape.size() == 1);
    }
    return out;
}

// Merger first layers that share one tower's per-feature structure: every column j has the
// tower's scale s_j and mean m_j (the features' spread and offset), rows otherwise drawn
// independently - what two independently initialised mergers trained on one copied tower share.
MatrixF merger_on_shared_tower(std::uint64_t seed, double scale_sd = 0.6, double offset_sd = 0.3) {
    stats::Rng shared(777), own(seed);
    Eigen::RowVectorXf scale(4 * kWidth), offset(4 * kWidth);
    for (int j = 0; j < 4 * kWidth; ++j) {
        scale(j) = static_cast<float>(std::exp(scale_sd * stats::standard_normal(shared)));
        offset(j) = static_cast<float>(offset_sd * stats::standard_normal(shared));
    }
    MatrixF w = synthetic_gaussian(4 * kWidth, 4 * kWidth, own);
    return (w.array().rowwise() + offset.array()).rowwise() * scale.array();
}

// `src` with its merger replaced by an independently drawn one on the shared tower structure.
std::unique_ptr<MemoryModel> with_merger(const ModelView& src, std::uint64_t seed) {
    auto out = std::make_unique<MemoryModel>(src.label() + "-merger");
    stats::Rng rng(seed + 1);
    for (const auto& t : src.tensors()) {
        MatrixF w = src.read(t);
        if (t.name.ends_with("merger.mlp.0.weight")) w = merger_on_shared_tower(seed);
        out->add(t.name, w, t.shape.size() == 1);
    }
    return out;
}

}  // namespace

TEST_CASE("a lifted tower rotated in its width is derived through the recovered rotation") {
    const auto a = synthetic_vlm("A", {.language_seed = 1, .vision_seed = 2, .projector_seed = 3});
    const auto tuned = synthetic_vlm("B", {.language_seed = 11, .vision_seed = 2, .projector_seed = 13,
                                           .vision_noise = 0.3});
    const auto b = rotated_copy(*tuned, haar_orthogonal(kWidth, 99));
    const CompareResult r = compare_models(*a, *b, tower_test_options());

    CHECK(r.language_model_verdict == Verdict::independent);
    CHECK(r.verdict == Verdict::derived);
    const TowerOutcome* v = find_tower(r, "vision");
    REQUIRE(v);
    CHECK(v->verdict == Verdict::derived);
    CHECK(v->reason.find("rotat") != std::string::npos);
    CHECK(v->neg_log10_p > 6);
    int matched = 0, beyond = 0;
    double map_fit = 0.0;
    for (const auto& s : r.stats) {
        if (s.component != "vision") continue;
        if (s.family == "pearson") CHECK_FALSE(s.beyond_null);  // element by element: nothing
        if (s.family == "neuron_matching" && !s.descriptive) {
            ++matched;
            beyond += s.beyond_null;
            CHECK(s.statistic.find("rotation") != std::string::npos);
        }
        if (s.family == "neuron_matching" && s.statistic.find("held-out orthogonal Procrustes") != std::string::npos)
            map_fit = s.value;
    }
    CHECK(map_fit > 0.6);
    CHECK(matched == 3 * 5);
    CHECK(beyond == matched);
    // The projector (independent, on the rotated tower) is not called derived.
    const TowerOutcome* p = find_tower(r, "projector");
    REQUIRE(p);
    CHECK(p->verdict != Verdict::derived);
}

TEST_CASE("an independent tower rotated the same way stays independent, its rotation control found") {
    const auto a = synthetic_vlm("A", {.language_seed = 1, .vision_seed = 2, .projector_seed = 3});
    const auto other = synthetic_vlm("B", {.language_seed = 11, .vision_seed = 12, .projector_seed = 13});
    const auto b = rotated_copy(*other, haar_orthogonal(kWidth, 99));
    const CompareResult r = compare_models(*a, *b, tower_test_options());
    CHECK(r.verdict == Verdict::independent);
    const TowerOutcome* v = find_tower(r, "vision");
    REQUIRE(v);
    CHECK(v->verdict == Verdict::independent);
    CHECK(v->neg_log10_p < 3);
    CHECK(v->reason.find("rotation control") != std::string::npos);
    bool control = false;
    for (const auto& s : r.stats) {
        if (s.statistic.find("rotation control") != std::string::npos) control = s.null_kind == "control detected";
        if (s.component == "vision" && s.family == "neuron_matching" && !s.descriptive) {
            CAPTURE(s.statistic);
            CHECK_FALSE(s.beyond_null);
            CHECK(s.statistic.find("hidden map: rotation") == std::string::npos);  // no map for an independent tower
        }
    }
    CHECK(control);
}

TEST_CASE("a copied projector with permuted intermediate neurons is derived") {
    const auto a = synthetic_vlm("A", {.language_seed = 1, .vision_seed = 2, .projector_seed = 3});
    // B: another language model, A's tower and A's merger (tower lightly tuned), merger permuted + tuned.
    const auto lifted = synthetic_vlm("B", {.language_seed = 11, .vision_seed = 2, .projector_seed = 3,
                                            .vision_noise = 0.3});
    const auto b = projector_permuted_copy(*lifted, 5, 0.4);
    const CompareResult r = compare_models(*a, *b, tower_test_options());
    CHECK(r.language_model_verdict == Verdict::independent);
    const TowerOutcome* p = find_tower(r, "projector");
    REQUIRE(p);
    CHECK(p->verdict == Verdict::derived);
    CHECK(p->reason.find("intermediate neurons") != std::string::npos);
    CHECK(p->neg_log10_p > 6);
    for (const auto& s : r.stats)
        if (s.component == "projector") {
            CAPTURE(s.statistic);
            if (s.family == "pearson") CHECK_FALSE(s.beyond_null);  // permuted: element-wise blind
            if (s.family == "neuron_matching") CHECK(s.beyond_null);
        }
    const TowerOutcome* v = find_tower(r, "vision");
    REQUIRE(v);
    CHECK(v->verdict == Verdict::derived);
}

TEST_CASE("an independently initialised merger on a copied tower is not called derived") {
    const auto a0 = synthetic_vlm("A", {.language_seed = 1, .vision_seed = 2, .projector_seed = 3});
    const auto b0 = synthetic_vlm("B", {.language_seed = 11, .vision_seed = 2, .projector_seed = 13,
                                        .vision_noise = 0.3});
    const auto a = with_merger(*a0, 21), b = with_merger(*b0, 22);
    const CompareResult r = compare_models(*a, *b, tower_test_options());
    const TowerOutcome* v = find_tower(r, "vision");
    REQUIRE(v);
    CHECK(v->verdict == Verdict::derived);
    const TowerOutcome* p = find_tower(r, "projector");
    REQUIRE(p);
    CHECK(p->verdict != Verdict::derived);
    for (const auto& s : r.stats)
        if (s.component == "projector") {
            CAPTURE(s.statistic);
            CHECK_FALSE(s.beyond_null);
        }

    // The guard is what keeps it so: the same rows matched without standardising the coordinates
    // find every row of one merger close to some row of the other.
    const MatrixF ma = merger_on_shared_tower(21, 1.0), mb = merger_on_shared_tower(22, 1.0);
    const VerdictRule rule = default_verdict_rule();
    stats::Rng rng(3);
    const TowerHiddenMap none;
    CHECK(matching_beyond(neuron_matching_test(ma, mb, none, 0, rng), rule));
    const MatchingTest guarded = projector_matching_test(ma, mb, none, kWidth, rng);
    CHECK_FALSE(matching_beyond(guarded, rule));
    CHECK(guarded.statistic - guarded.null_mean < 0.1);
}

TEST_CASE("tower hidden map: a rotated anchor gives a rotation held out, an unrelated one none") {
    stats::Rng rng(8);
    const VerdictRule rule = default_verdict_rule();
    const MatrixF anchor = synthetic_gaussian(kWidth, 200, rng);
    const MatrixF q = haar_orthogonal(kWidth, 5);
    const MatrixF rotated = q * anchor + synthetic_gaussian(kWidth, 200, rng, 0.3);
    const TowerHiddenMap m = tower_hidden_map(anchor, rotated, true, rule, rng);
    CHECK(m.rotation());
    CHECK_FALSE(m.identity());
    CHECK(m.rotation_fit > 0.8);
    CHECK(m.rotation_fit > m.rotation_null_max + 0.5);
    // rotation_ab takes A's width coordinates to B's: (v_A R) ~ v_B for the anchor's columns.
    CHECK(((anchor.transpose() * m.rotation_ab) - rotated.transpose()).norm() < 0.5 * rotated.norm());
    // Column groups of a projector's input go through the same map, group by group.
    MatrixF two(3, 2 * kWidth);
    two << anchor.transpose().topRows(3), anchor.transpose().topRows(3);
    const MatrixF aligned = m.align_columns(two, 2);
    CHECK((aligned.leftCols(kWidth) - aligned.rightCols(kWidth)).norm() < 1e-4);

    const TowerHiddenMap none = tower_hidden_map(anchor, synthetic_gaussian(kWidth, 200, rng), true, rule, rng);
    CHECK_FALSE(none.recovered);
    CHECK(none.kind == "none");
    CHECK(none.rotation_fit < 0.3);

    const RotationControl control =
        tower_rotation_control(anchor, true, synthetic_gaussian(128, kWidth, rng), kWidth, 0.5, rule, rng);
    CHECK(control.detected);
    CHECK(control.map_fit > 0.6);
}
