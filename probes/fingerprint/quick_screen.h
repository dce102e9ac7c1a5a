// The cheap first stage of screening a candidate against a fingerprint: a few milliseconds per
// entry on the candidate's one summary (candidate_summary.h), deciding only whether the entry is
// CLEARLY unrelated; every other entry goes on to the full sketch probe (screen.h).
//   1. exact reuse - the full probe's pairs (probes/weights/direct_statistics.cpp): every
//      fingerprint tensor's full digest against the candidate tensors of the same size (the
//      candidate's digest only computed when the moments agree too: equal bytes, equal moments),
//      the row MinHash against the candidate tensor of the same role, layer and expert;
//   2. anchor geometry - linear CKA between the centred Gram matrices (diagonal removed) of the
//      shared anchor tokens' embedding rows (up to `gram_tokens`, seeded): invariant to any
//      orthogonal map and scale of the hidden basis, so it sees every map the full probe's
//      hidden-map fit could recover; null: the same CKA with the candidate's tokens randomly
//      re-paired. Models trained on similar text lie beyond this null (shared semantics); for
//      those the full stage's own hidden-map fit runs on the anchors (the same call, inputs and
//      seed as the full stage, which then reuses it): a recovered map sends the entry on, no map
//      means the full stage would compare stored bases, as test 3 does;
//   3. neuron moments - for q_proj and mlp_gate of the candidate's first, middle and last layer,
//      S = P^T P of the neuron sketch P = W diag(g) R' (R' the first `body_dims` columns of the
//      entry's projection; invariant to any neuron permutation), centred and compared with every
//      base layer's by correlation, the maximum over pairs; null: the same maximum after a random
//      rotation of the candidate's sketch space (two independent models' stored bases are
//      unrelated). Only run when the widths agree: with no map, the full probe cannot compare
//      bodies of different widths either.
// A statistic is beyond its null when it exceeds both the null draws' maximum and their mean + 4
// standard deviations (so 50 unrelated entries rarely send one on by chance). Positive controls,
// per entry and at the same threshold: the entry's own anchor rows and neuron sketches plus
// Gaussian noise of `control_noise` x their std (the full probe's fine-tune control; a rotation or
// permutation changes neither statistic). An entry is cleared only when it shows no reuse, the
// anchor CKA lies inside its null (control detected) or the map fit recovers no map, and - when
// the widths agree - the neuron moments ran and lie inside their null (control detected). With
// different widths and no map the neuron test cannot run: the entry is cleared on the anchors
// alone and its body components are reported as not compared (the full stage has no common
// basis for them either).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "probes/fingerprint/anchor_map.h"
#include "probes/fingerprint/candidate_summary.h"
#include "probes/fingerprint/fingerprint.h"
#include "probes/weights/compare_result.h"
#include "probes/weights/verdict_rule.h"

namespace lineage::probes::fingerprint {

struct QuickScreenOptions {
    std::int64_t gram_tokens = 256;
    std::int64_t body_dims = 32;
    int anchor_draws = 199;
    int neuron_draws = 99;
    double beyond_sd = 4.0;
    double control_noise = 1.0;                   // rule.control_noise_relative_std
    std::int64_t exact_reuse_min_elements = 4096;  // rule.exact_reuse_min_elements
    double minhash_min_jaccard = 0.5;             // rule.minhash_min_jaccard
    std::uint64_t seed = 20260611;
};

// The options with the rule's reuse thresholds and control noise.
QuickScreenOptions quick_options(const weights::VerdictRule& rule);

struct QuickStat {
    std::string name;
    bool ran = false;
    double value = 0.0;                  // observed (maximum over pairs for neuron moments)
    double null_mean = 0.0, null_max = 0.0, threshold = 0.0;
    int draws = 0;
    double p_value = 1.0;                // (1 + draws >= value) / (1 + draws)
    bool beyond = false;
    double control_value = 0.0, control_threshold = 0.0;
    bool control_detected = false;
    std::string detail;                  // why it did not run, or what it compared
};

struct QuickResult {
    bool cleared = false;
    std::string reason;                       // one line: why cleared, or why sent on
    std::vector<std::string> exact_reuse;     // "base = candidate" (digest), "base ~ candidate" (rows)
    std::int64_t anchors = 0, shared_anchors = 0;
    QuickStat anchor_cka, neuron_moments;
    // When the anchor CKA lies beyond its null (any two models trained on similar text share
    // anchor geometry), the full stage's own hidden-map fit on the anchors (anchor_map.h), kept
    // for the full stage; a recovered map sends the entry on.
    std::shared_ptr<const AnchorMap> map;
    double seconds = 0.0, cpu_seconds = 0.0;  // wall; process CPU (all threads) while it ran
};

// `rule` and `map_seed`: the full stage's, for the hidden-map fit.
QuickResult quick_screen(CandidateSummary& candidate, const Fingerprint& fp,
                         const QuickScreenOptions& options, const weights::VerdictRule& rule,
                         std::uint64_t map_seed, const std::string& candidate_label);

// A cleared entry as a weight-probe result: verdict independent, one statistic per candidate
// tensor (the quick stage's anchor CKA for embeddings and lm_head, its neuron-moment test for the
// rest), the quick controls as the stated power. For the audit's evidence tables.
weights::CompareResult cleared_result(const QuickResult& q, const CandidateSummary& candidate,
                                      const Fingerprint& fp, const std::string& label);

}  // namespace lineage::probes::fingerprint
