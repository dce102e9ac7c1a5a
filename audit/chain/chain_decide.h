// The rules that turn a chain's measurements into statuses and a verdict, with their thresholds in
// chain_rule.json beside this file:
//  - a link descends when the weight probe calls the later checkpoint derived from the earlier; it
//    is broken when the probe calls them independent (every statistic inside its null, positive
//    controls detected) or their tensors do not even pair (another architecture); else undecided;
//  - a descending link's drift must fit the tokens seen: weights change iff tokens were seen, the
//    distance from the start does not fall back by more than `backtrack_tolerance`, and the drift
//    per token stays within `drift_rate_factor` of the chain's median (with >= `min_links_for_rate`
//    links);
//  - the origin is independent when the first checkpoint looks like an initialisation and no base
//    is derived-related to it; a base it descends from, or trained weights, make it not
//    independent; anything else is inconclusive;
//  - verdict: broken (first break located) > origin not independent > not bound > inconclusive >
//    proven.
#pragma once

#include <string>

#include "audit/chain/chain_result.h"

namespace lineage::audit {

struct ChainRule {
    double backtrack_tolerance = 0.1;
    double drift_rate_factor = 20.0;
    int min_links_for_rate = 3;
    std::string source = "built-in defaults";
};

// chain_rule.json beside this file when present, else the defaults.
ChainRule default_chain_rule();
// Throws InputError naming the file and field.
ChainRule load_chain_rule(const std::string& path);

// Fills link statuses and drift notes, the origin status, the verdict, broken_at and reasons.
// Reads: links[].dependence/step_distance/tokens, checkpoints[].distance_from_start and .bases,
// origin.init, binding.status.
void decide_chain(ChainResult& r, const ChainRule& rule);

}  // namespace lineage::audit
