// Positive controls: models made from the claimed parent A at the same settings, each of which the
// probe must call derived before it may call any pair independent (so every "independent" states
// its power). Built lazily as views over A - each tensor is transformed when read, so a control of
// a 7B model costs no extra memory:
//   finetune_noise - every matrix plus Gaussian noise of rule.control_noise_relative_std x its std
//   pruning+noise  - the middle layer dropped and rule.control_prune_fraction of the MLP neurons
//                    of every layer removed, on top of half the fine-tune noise (so exact reuse
//                    of untouched tensors cannot be what detects it)
//   rotation       - norms folded and the residual stream rotated by a random orthogonal matrix
//   widening+noise / hidden_pruning+noise - only when the candidate's hidden width differs from
//                    A's (target_hidden): norms folded, A's residual stream embedded in a random
//                    subspace of the wider width (fresh dims empty) or cut to a random signed
//                    subset of its dims, then half the fine-tune noise - the power of the
//                    statistics at the candidate's width, through the rectangular hidden map
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "probes/weights/model_view.h"
#include "probes/weights/verdict_rule.h"

namespace lineage::probes::weights {

struct Control {
    std::string name;
    std::unique_ptr<ModelView> view;
};

// target_hidden: the candidate's hidden width (0 or A's width: no width control).
std::vector<Control> make_controls(const ModelView& parent, const VerdictRule& rule,
                                   std::uint64_t seed, std::int64_t target_hidden = 0);

}  // namespace lineage::probes::weights
