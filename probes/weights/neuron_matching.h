// Statistic 3 (primary): the independence test of Zhu et al. (ICML 2025), on weights. For a layer
// of A and a layer of B, match the MLP neurons of the two by linear assignment on the cosine
// similarity of their gate rows, and separately of their up rows (A's rows folded with its norm
// gain and mapped into B's hidden basis first). If B's MLP descends from A's, both matchings
// recover the same neuron permutation; for independent models they are unrelated. The evidence is
// the one-sided p-value of the Spearman correlation between the two matchings (t approximation,
// floored at 1/n!). Every (A layer, B layer) pair within budget is scored into a layer x layer
// matrix; each B layer takes its best A layer with a Bonferroni correction for the choice, and
// the layers combine by Fisher's method.
// Subset of A's neurons (kNeuronSubsetRows): when A's block has more than twice that many neurons,
// a fixed, seeded subset S of A's rows is matched against ALL of B's rows (a rectangular
// assignment, |S| x n_B), which costs |S|/n_A of the similarity GEMM and makes the unrelated
// case's assignment easy (most of B's columns stay free, so augmenting paths are short). Validity:
// under independence, B's MLP neurons are exchangeable (relabelling them by any permutation sigma,
// gate and up rows together, leaves B's distribution unchanged) and S is chosen without looking
// at the weights, so the matched columns of the rows of S, for gate and for up, are as exchangeable
// as in the full matching: the Spearman test on |S| pairs has the same null, with sample size |S|
// instead of n (tests/probes/weight_neuron_matching_test.cpp checks that p-values of independent
// synthetic pairs are roughly uniform). For a derived pair the true permutation maps S into B's
// columns and both matchings recover it (the certificate holds for rows < cols as well), so the
// evidence stays decisive: with |S| = 2,048 a perfect rank agreement gives -log10 p in the
// thousands, far beyond any threshold. Power against weakly related pairs drops as sqrt(|S|/n).
// Mixtures of experts: a layer's MLP is a list of neuron blocks (experts, shared expert); blocks
// of two MoE layers are matched by assignment on their evidence, then combined; a dense layer
// against an MoE layer takes the best expert (Bonferroni over experts). Extending to new expert
// layouts means adding blocks in mlp_blocks().
#pragma once

#include <cstdint>
#include <vector>

#include "probes/weights/pair_context.h"

namespace lineage::probes::weights {

struct NeuronBlock {
    const TensorRef* gate = nullptr;
    const TensorRef* up = nullptr;
    bool fused = false;  // gate_up stored as one tensor: gate rows first, then up rows
    int expert = -1;     // -1 dense MLP, -2 shared expert
    int slice = -1;      // expert index inside a fused 3-D (experts, out, in) tensor, else -1
};

// The neuron blocks of a layer (dense MLP or experts).
std::vector<NeuronBlock> mlp_blocks(const ModelView& view, int layer);
// A block's gate (up = false) or up rows, norm gain folded in; with ctx_a (A's side) mapped into
// B's hidden basis when a map was recovered.
MatrixF block_rows(const ModelView& view, const NeuronBlock& b, bool up, const PairContext* ctx_a);

// Rows of A matched per block when A has more than twice as many (environment override for
// benchmarks: LINEAGE_NEURON_ROWS, 0 = all rows).
inline constexpr std::int64_t kNeuronSubsetRows = 2048;

// The rows of A that are matched: all n when n <= 2 * limit (or limit <= 0), else a fixed seeded
// sample of `limit` rows, sorted.
std::vector<std::int32_t> neuron_subset(std::int64_t n, std::int64_t limit);
std::int64_t neuron_subset_limit();

struct CosineMatch {
    std::vector<std::int32_t> row_to_col;  // for each row of a, its column of b (-1: none)
    bool certified = false;  // every row's most similar row of b is distinct (optimal as it is)
    bool fused = false;      // certified while the similarity blocks were produced (no n_a x n_b matrix)
    std::int64_t collisions = 0;
};

// How the similarity matrix is produced: fused = block by block, certificate checked on the fly,
// the matrix materialised (GEMM repeated) only when the certificate fails; materialised = one GEMM
// into the stored matrix, then the exact solver (its first pass is the same certificate);
// automatic = fused above kMaterialiseEntries entries (e.g. all 11,008^2 neurons of a 7B layer:
// 485 MB never stored for a derived pair), materialised below (e.g. the 2,048 x 11,008 subset:
// 90 MB, cheaper to keep than to recompute when unrelated rows collide).
enum class SimilarityPath { automatic, fused, materialised };
inline constexpr std::int64_t kMaterialiseEntries = std::int64_t(64) << 20;

// The one-to-one matching of a's rows to b's rows with the largest total cosine similarity, exact.
CosineMatch match_by_cosine(MatrixF a, MatrixF b, SimilarityPath path = SimilarityPath::automatic);

// Screening of off-diagonal band cells (deep models only, where layer pairs are taken from a
// band around the proportional diagonal): when the subset is active, such a cell is first tested
// on kScreenRows rows; only if that already gives -log10 p >= kScreenEvidence is it re-tested on
// the full subset. The screened p-value is a valid p-value of the same test (fewer rows, less
// power), and a real layer correspondence is far beyond the bar even on 256 rows (a derived
// layer gives -log10 p in the hundreds there), so the screen keeps dropped/duplicated-layer
// detection while unrelated pairs pay ~1/8 of the GEMMs for those cells.
inline constexpr std::int64_t kScreenRows = 256;
inline constexpr double kScreenEvidence = 3.0;

struct BlockMatch {
    double neg_log10_p = 0.0;     // Spearman(gate matching, up matching), one-sided
    double spearman = 0.0;
    double identity_spearman = 0.0;  // gate matching vs identity (meaningful when bases agree)
    bool certified_gate = false, certified_up = false;
    std::int64_t neurons = 0;
    bool screened = false;  // the result of the small screening subset (see kScreenRows)
};

// How a cell is tested when A's subset is active (more than 2 x kNeuronSubsetRows neurons):
// full = the whole subset at once; off_diagonal = the band screen above; diagonal = two looks, the
// screening rows first and the whole subset only when they are not decisive (-log10 p below
// kDecisiveEvidence, far beyond the derived threshold): a derived layer (hundreds on 256 rows)
// then costs ~1/8 of the GEMMs, an unrelated one pays 1/8 more. Either look is a valid p-value of
// the same test; the reported one is Bonferroni-corrected for the two looks (x2).
enum class CellStage { full, off_diagonal, diagonal };
inline constexpr double kDecisiveEvidence = 20.0;

// One block pair: A's block (aligned into B's basis) against B's block.
// screen = true: an off-diagonal band cell (see kScreenRows).
BlockMatch match_blocks(const PairContext& ctx, const NeuronBlock& a, const NeuronBlock& b, bool screen = false);
BlockMatch match_blocks(const PairContext& ctx, const NeuronBlock& a, const NeuronBlock& b, CellStage stage);

struct LayerPairScore {
    double neg_log10_p = 0.0;    // layer-level evidence (experts combined)
    int expert_a = -1, expert_b = -1;  // best block pair
    BlockMatch best;
};

struct NeuronMatchingResult {
    std::int64_t layers_a = 0, layers_b = 0;
    std::vector<double> scores;  // (layers_a x layers_b) -log10 p; NaN where not computed
    std::vector<LayerPairScore> cells;
    double combined_neg_log10_p = 0.0;
    std::vector<std::int32_t> best_a_for_b;
    std::vector<double> best_corrected;  // per B layer
};

// Scores layer pairs (all of them if layers_a*layers_b <= rule.max_layer_pairs, else a band
// around the proportional diagonal) in parallel, then combines.
NeuronMatchingResult neuron_matching(const PairContext& ctx);

}  // namespace lineage::probes::weights
