// Permutation-robust statistics for the tensors of a tower (tower_compare.h), so that a tower
// copied from A whose hidden units were then permuted (the residual width, attention heads, MLP
// neurons) and fine-tuned is still found: the element-wise Pearson of tower_compare sees nothing
// once rows and columns no longer line up.
//
//  1. The tower's hidden map. A tower reads its input through one tensor outside its blocks whose
//     other axis is fixed by the data (Qwen2.5-VL's patch_embed.proj [width, 3·t·p·p], SigLIP's
//     patch_embedding; position embeddings [positions, width]). Its width-long axis is matched
//     one to one (exact assignment on |correlation| of the vectors along the fixed axis), giving a
//     signed permutation of B's width in A's; it is used only when its fit is beyond the null of
//     the same fit with A's fixed axis shuffled and at least rule.hidden_map_min_fit. When no
//     permutation fits, an orthogonal map is tried (a tower rotated in its width after copying,
//     norm gains folded: the rotation of the language model's A-rot, applied to a tower): the
//     orthogonal Procrustes fit of the language model's hidden map (probes/stats/procrustes.h,
//     samples = the fixed axis), judged held out (4 folds) against the same held-out fit with A's
//     fixed axis shuffled, and used when it reaches rule.hidden_map_min_fit, beats every null draw
//     by 0.05 (the language model's margin) and is beyond the derived threshold.
//  2. Neuron matching per tensor pair. For each orientation (rows as vectors, columns as vectors),
//     A's other axis is put in B's order through the map when it has the tower's width; each of B's
//     vectors (up to kMaxVectors) finds its best |correlation| among A's. The statistic is the mean
//     best |correlation|; its null the same with A's coordinates shuffled (kNullShuffles draws,
//     normal approximation for the mean over B's vectors). The better orientation counts, with a
//     factor 2 for the choice. A row permutation (heads, MLP neurons in fc1/gate/up) is invisible
//     to row matching, a column permutation (proj, fc2/down) to column matching.
//  3. The rotation control (tower_rotation_control): A's anchor and largest block tensor rotated by
//     a Haar-random orthogonal matrix plus noise, run through steps 1 and 2; an "independent"
//     tower states that this control was found, so the verdict says what it could have seen.
//  4. Projector matching (projector_matching_test): a projector's intermediate neurons (rows of
//     its first layer, columns of its second) matched as in step 2, with A's input columns put in
//     B's basis through the vision tower's map (per merged patch group). Every coordinate is first
//     standardised across the vectors (mean 0, sd 1 per column, in A and B separately): mergers
//     trained on one copied tower share that tower's per-feature scales and means, which would
//     otherwise make every row of an independently initialised merger resemble every row of A's.
// What stays out: a tower whose input tensor does not pair has no map (its permuted or rotated
// width is then not undone); a rotation composed with head or MLP-neuron permutations should be
// undone too (step 2 is order-free) but is not tested.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "probes/stats/random.h"
#include "probes/weights/model_view.h"
#include "probes/weights/verdict_rule.h"

namespace lineage::probes::weights {

struct TowerHiddenMap {
    bool recovered = false;
    std::string kind = "none";          // identity | signed_permutation | rotation | none
    std::vector<std::int32_t> a_of_b;   // A's width index for each of B's (identity when not recovered)
    std::vector<float> sign;            // +1 / -1 per B index
    double fit = 0.0, null_mean = 0.0;  // the permutation's mean matched |correlation|, and its null
    double neg_log10_p = 0.0;           // of the map that was used (or of the permutation's fit)
    // The orthogonal map, tried when no permutation fits: held-out fit and the largest null draw;
    // `rotation_ab` (width x width) takes A's width coordinates to B's (row vector v_A R ~ v_B).
    double rotation_fit = 0.0, rotation_null_max = 0.0;
    MatrixF rotation_ab;
    std::string anchor;                 // the tensor (relative name) it was read from; "" when none
    bool identity() const;              // recovered and the plain order, no sign flips
    bool rotation() const { return recovered && kind == "rotation"; }
    // `a` with its columns (`groups` consecutive blocks of the tower's width) in B's basis.
    MatrixF align_columns(const MatrixF& a, std::int64_t groups = 1) const;
};

struct MatchingTest {
    double statistic = 0.0;             // mean best |correlation| of B's vectors
    double null_mean = 0.0, null_sd = 0.0;  // of one vector's best |correlation| under the null
    double neg_log10_p = 0.0;           // one-sided, including the factor 2 for the orientation
    std::int64_t vectors = 0;           // B vectors matched
    bool rows = true;                   // the winning orientation: rows (true) or columns
};

// The tower's width: the most common length of B's 1-D tower tensors (norm gains); 0 when none.
std::int64_t tower_width(const std::vector<const TensorRef*>& tower_tensors_b);

// Step 1 from the anchor pair (same shape; `width_on_rows`: the width is its row axis).
TowerHiddenMap tower_hidden_map(const MatrixF& anchor_a, const MatrixF& anchor_b, bool width_on_rows,
                                const VerdictRule& rule, stats::Rng& rng);

// Step 2 for one tensor pair of the same shape.
MatchingTest neuron_matching_test(const MatrixF& a, const MatrixF& b, const TowerHiddenMap& map,
                                  std::int64_t width, stats::Rng& rng);

// The test's verdict contribution: -log10 p at least rule.derived_neg_log10_p and the mean best
// |correlation| at least rule.pearson_min_effect above its null.
bool matching_beyond(const MatchingTest& t, const VerdictRule& rule);

// Step 4 for one projector tensor pair of the same shape: both orientations on column-standardised
// vectors; A's columns aligned through `vision_map` when they are whole groups of `vision_width`.
MatchingTest projector_matching_test(const MatrixF& a, const MatrixF& b, const TowerHiddenMap& vision_map,
                                     std::int64_t vision_width, stats::Rng& rng);

struct RotationControl {
    bool detected = false;
    double map_fit = 0.0;               // held-out fit of the recovered orthogonal map
    double matching_neg_log10_p = 0.0;  // the block tensor matched through it
};

// Step 3: `anchor_a` (width on rows when `width_on_rows`) and `block_a` (a block tensor with the
// width on one axis) rotated by a Haar-random orthogonal matrix, plus Gaussian noise of
// `noise_relative_std` x each tensor's std; detected when the rotation is recovered and the block
// tensor matches beyond its null through it.
RotationControl tower_rotation_control(const MatrixF& anchor_a, bool width_on_rows, const MatrixF& block_a,
                                       std::int64_t width, double noise_relative_std, const VerdictRule& rule,
                                       stats::Rng& rng);

}  // namespace lineage::probes::weights
