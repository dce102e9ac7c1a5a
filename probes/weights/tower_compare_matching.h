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
//     the same fit with A's fixed axis shuffled and at least rule.hidden_map_min_fit.
//  2. Neuron matching per tensor pair. For each orientation (rows as vectors, columns as vectors),
//     A's other axis is put in B's order through the map when it has the tower's width; each of B's
//     vectors (up to kMaxVectors) finds its best |correlation| among A's. The statistic is the mean
//     best |correlation|; its null the same with A's coordinates shuffled (kNullShuffles draws,
//     normal approximation for the mean over B's vectors). The better orientation counts, with a
//     factor 2 for the choice. A row permutation (heads, MLP neurons in fc1/gate/up) is invisible
//     to row matching, a column permutation (proj, fc2/down) to column matching.
// What stays out: a tower rotated (not permuted) in its width, and one whose input tensor does not
// pair (no map: its permuted width is then not undone).
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
    std::vector<std::int32_t> a_of_b;   // A's width index for each of B's (identity when not recovered)
    std::vector<float> sign;            // +1 / -1 per B index
    double fit = 0.0, null_mean = 0.0;  // mean matched |correlation|, and under the shuffle null
    double neg_log10_p = 0.0;
    std::string anchor;                 // the tensor (relative name) it was read from; "" when none
    bool identity() const;              // recovered and the plain order, no sign flips
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

}  // namespace lineage::probes::weights
