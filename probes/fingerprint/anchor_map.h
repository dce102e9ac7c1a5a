// Steps 1-2 of screening against a fingerprint, shared by both stages: the anchor tokens the
// candidate shares with the fingerprint (by byte string), both sides' embedding rows of them, and
// the weight probe's own hidden-map fit (probes/weights/hidden_alignment.h) on those rows. The
// quick stage asks it whether the full stage would recover a map; the full stage then reuses the
// very same fit, so both stages decide the map question identically.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "probes/fingerprint/candidate_summary.h"
#include "probes/fingerprint/fingerprint.h"
#include "probes/weights/compare_result.h"
#include "probes/weights/verdict_rule.h"

namespace lineage::probes::fingerprint {

struct AnchorMap {
    std::vector<std::int32_t> base_idx, cand_rows;  // shared anchors: fingerprint index, candidate id
    MatrixF x, y;                                   // their base rows (full width), candidate rows
    weights::HiddenMap premap;                      // the fit, as the probe reports it
    MatrixF hidden_map;                             // d_A x d_B; empty when none recovered
    bool has_map = false;
    std::int64_t anchors = 0, shared_anchors = 0;
};

// UnsupportedError when the candidate has no token embedding or shares fewer than 16 anchors;
// InputError when the fingerprint has no anchor rows.
AnchorMap fit_anchor_map(const CandidateSummary& candidate, const Fingerprint& fp,
                         const weights::VerdictRule& rule, std::uint64_t seed,
                         const std::string& candidate_label);

}  // namespace lineage::probes::fingerprint
