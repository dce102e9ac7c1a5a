// A second source for the hidden map: the transformer blocks themselves. The embedding map
// (hidden_alignment.h) finds nothing when B's embeddings are its own - a model that lifted some of
// A's blocks, rotated or permuted the residual basis, and trained its own embeddings (zoo BA-lift
// against A-perm / A-rot). A block copied into another basis Q (x_B = Q x_A, norms folded) keeps
// its weights up to Q on the hidden side: every d x d matrix built from one block and invariant
// to the block's neuron and head order transforms as X_B = Q X_A Q'. Used here:
//   fit set (MLP): M = Wg'Wg + Wu'Wu (the normalised residual the MLP reads; gains folded),
//                  Wd Wd', Wd Wg, Wd Wu;
//   held-out set (attention values/outputs): Wv'Wv, Wo Wo', Wo Wv (when the shapes allow).
// Each matrix is trace-centred and scaled to unit Frobenius norm. Q is estimated per layer pair
// from the eigenvectors of M (Q = U_B D U_A', the signs D by spectral synchronisation of the
// other fit matrices in the eigenbases), the best few candidates (screened in O(d^2) per pair)
// refined by Procrustes on the fit set and rounded to a signed permutation. A map is judged on
// the held-out set only: its fit there must reach the rule's hidden_map_min_fit and exceed by
// 0.05 the same map's fit on control blocks that cannot match (A's layer against B's other
// layers and B's layer against A's other layers). Zoo: lifted layers fit 0.71-0.91 held out,
// unrelated layer pairs (A/B, A/C, A/A-student) at most 0.31.
// Validity: the map depends on B only through matrices invariant to B's MLP neuron order and head
// order (Grams and the products Wd Wg, Wd Wu, Wo Wv are unchanged by relabelling neurons or heads),
// so under independence B's neurons stay exchangeable given the map and the neuron-matching
// test's null (neuron_matching.h) is as exact through it as through the stored bases. Wq and Wk
// are not used at all, so the attention invariant through this map stays a separate check.
// Cost: one d x d eigendecomposition and a few d x d products per layer and model (only the top
// 256 eigen-directions are kept past that, so memory stays O(d k) a layer), O(k^2) per screened
// layer pair, and Procrustes refinements (12 rounds of a few d^3 products and one SVD) for the 3
// best pairs only. Zoo (hidden 128, 4 layers): ~0.25 s CPU per unrelated pair.
#pragma once

#include <string>
#include <vector>

#include "probes/weights/pair_context.h"

namespace lineage::probes::weights {

struct BlockHiddenMap {
    bool recovered = false;
    std::string kind = "none";  // signed_permutation | rotation | none
    int layer_a = -1, layer_b = -1;       // the block pair the map was estimated from
    double permutation_fit = 0.0;         // held-out fit of the signed permutation
    double rotation_fit = 0.0;            // held-out fit of the rotation
    double null_max = 0.0, null_mean = 0.0;
    int controls = 0;                     // control block pairs behind the null
    int candidates = 0;                   // layer pairs refined
    double screen_margin = 0.0;           // best pair's screen over its layers' other pairings
    MatrixF map;                          // d_A x d_B with W_A M ~ W_B (empty when not recovered)
    std::string note;
};

// Estimates the map from the block weights (same hidden width only; dense MLP blocks with
// separate gate/up/down and v/o). Appends its ComponentStat (family hidden_map) when it ran.
BlockHiddenMap block_hidden_map(const PairContext& ctx, std::vector<ComponentStat>& stats);

}  // namespace lineage::probes::weights
