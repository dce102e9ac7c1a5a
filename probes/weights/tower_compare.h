// The weight probe on the towers a multimodal checkpoint carries beside its language model (the
// vision encoder, the projector that feeds it into the language model, an audio encoder). Each
// tower is judged as its own component, so "language model independent, vision encoder derived
// from A" is a finding the probe can make.
//
// Towers are compared block by block: tensors pair by their name below the tower prefix
// (weights::tower_relative_name, so "visual.blocks.3.attn.qkv.weight" pairs with
// "model.visual.blocks.3.attn.qkv.weight") and their shape; the tower's own block index comes from
// the name (weights::TensorRole::layer). Each pair gets the centred element-wise Pearson against
// its shuffle null (exact permutation moments, normal tail), as the language model's same-role
// tensors do (direct_statistics.h); exact reuse of a tower tensor is the digest hit exact_reuse()
// already reports. A tower is
//   derived      on an exact-reuse hit, or a pair beyond the derived threshold with an effect of
//                at least rule.pearson_min_effect (a copied tower that was then fine-tuned keeps
//                Pearson far above its null), or a neuron-matching test likewise (below);
//   independent  when pairs were compared, every one sits inside the null after Bonferroni over
//                the pairs, and the tower's positive control (A's largest paired tensor plus
//                Gaussian noise of rule.control_noise_relative_std x its std, compared with the
//                original) is detected at the same settings;
//   inconclusive otherwise — in particular when nothing pairs (towers of different designs) or
//                when a tower exists on one side only.
// When no pair of a tower is beyond its null element by element, a permutation-robust pass follows
// (tower_compare_matching.h): the tower's hidden map from its input tensor (patch embedding) - a
// signed permutation, or else an orthogonal map judged held out against its null - then neuron
// matching per pair inside the tower's blocks through it, so a copy whose width, heads or MLP
// neurons were permuted, or whose width was rotated (norm gains folded), and then fine-tuned is
// still derived (statistics of family "neuron_matching"; the map's own is descriptive; blocks'
// max_neg_log10_p include them). A tower is then independent only when those tests sit inside
// their nulls too and its rotation control (A's tower rotated plus noise, run through the same
// map and matching) was detected. A projector (no blocks) gets the same pass on its intermediate
// neurons (first layer's rows with their inputs in the vision tower's basis or recovered map,
// second layer's columns), on column-standardised vectors, so a copied merger with permuted
// intermediates is derived; its input is the vision tower's basis, so independently initialised
// mergers of one copied tower converge row by row: such matches below rule.pearson_min_effect
// are reported as descriptive and never counted (the false-positive guard); so are matches below
// it through a recovered rotation (the patch-embedding filters of independent encoders converge
// enough for a rotation to fit them, zoo VB-indep: held-out 0.60, which aligns convergent block
// features slightly; a rotated copy matches far beyond it). Not covered: a tower
// whose input tensor does not pair (no map: a permuted or rotated width is then not undone), and
// - untested - a rotation composed with head or MLP-neuron permutations (neuron matching is
// order-free, so it should be undone the same way).
#pragma once

#include <vector>

#include "probes/weights/compare_result.h"
#include "probes/weights/pair_context.h"

namespace lineage::probes::weights {

// One outcome per tower present in A or B, in name order; ComponentStats of family "pearson"
// (component = the tower's role name, "vision" or "projector"; layer_a/layer_b = tower block
// indices) are appended to `stats`, which must already hold exact_reuse()'s hits.
std::vector<TowerOutcome> compare_towers(const PairContext& ctx, std::uint64_t seed,
                                         std::vector<ComponentStat>& stats);

// True when an exact-reuse hit in `stats` concerns a language-model tensor of B (not a tower).
bool exact_reuse_in_language_model(const std::vector<ComponentStat>& stats);

}  // namespace lineage::probes::weights
