// `compare`: the weight-lineage probe end to end. Summarises each model in one streaming pass,
// pairs tensors by role, then runs the statistics in order - exact reuse, hidden-space alignment
// from shared tokens, neuron matching (layer x layer, layer map), the attention invariant on the
// matched layers, unaligned Pearson on same-index and matched layers, token agreement, the
// descriptive naive figures - and applies the verdict rule. An "independent" verdict requires the
// positive controls made from A (the claimed parent) to be detected at the same settings.
#pragma once

#include <cstdint>
#include <optional>

#include "probes/weights/compare_result.h"
#include "probes/weights/model_view.h"
#include "probes/weights/verdict_rule.h"
#include "probes/weights/weight_summary.h"

namespace lineage::probes::weights {

struct CompareOptions {
    VerdictRule rule;
    bool run_controls = true;  // needed for an "independent" verdict
    bool compare_towers = true;  // judge vision/projector towers too (tower_compare.h)
    std::optional<std::uint64_t> seed;  // overrides rule.seed
};

CompareResult compare_models(const ModelView& a, const ModelView& b, const CompareOptions& options);

// The same with summaries already computed (a chain audit summarises each checkpoint once).
CompareResult compare_models(const ModelView& a, const WeightSummary& sa, const ModelView& b,
                             const WeightSummary& sb, const CompareOptions& options);

}  // namespace lineage::probes::weights
