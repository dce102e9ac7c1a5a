// The activation probe: runs model A, then model B (never both loaded; each through the
// layer-streaming forward) on a probe corpus, compares every hidden layer of A with every hidden
// layer of B by linear and debiased CKA over the positions where both models have read the same
// text (byte offsets, so different tokenizers compare), aligns the layers monotonically, compares
// the next-token distributions on the shared vocabulary, calibrates every figure against a
// row-shuffled null and the independent-pair range, and decides derived / behaviourally-similar /
// independent / inconclusive (verdict_rule.h).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "probes/activation/null_ranges.h"
#include "probes/activation/probe_corpus.h"
#include "probes/activation/probe_result.h"
#include "probes/activation/verdict_rule.h"

namespace lineage::probes::activation {

struct ProbeOptions {
    std::string device = "auto";                   // auto | cpu | cuda
    std::optional<std::int64_t> max_positions;     // overrides the rule's
    std::function<void(const std::string&)> progress;  // one line per step; may be empty
};

// Model folders (or anything weights::Checkpoint::open accepts) with a tokenizer beside the weights.
ProbeResult run_activation_probe(const std::string& model_a, const std::string& model_b, const ProbeCorpus& corpus,
                                 const VerdictRule& rule, const IndependentRanges& ranges, const ProbeOptions& options);

// The verdict and its reasons from the figures already in `result` (activation_verdict.cpp).
void decide_verdict(ProbeResult& result, const VerdictRule& rule);

}  // namespace lineage::probes::activation
