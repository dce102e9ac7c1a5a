// One checkpoint-chain audit, end to end: read each checkpoint of the run once, in order (its
// weight summary, value sketch, initialisation measurements and content digest: one pass,
// checkpoint_pass.h), run the weight probe on every consecutive pair and on each checkpoint
// against every base (summaries and digests of the bases from one pass each), check the first
// checkpoint against the initialisation scheme its config implies, bind the final checkpoint to
// the submitted model by content digest (the final checkpoint's own digest when the submitted
// model is the same files), and decide (chain_decide.h). Entries of fingerprint registries are
// bases of the origin only (audit/registry, probes/fingerprint). Memory: one checkpoint's pass
// (summary, sketch, mapped files) beside the previous one's and the bases'; the pairwise
// statistics re-read matrices from those mappings (counted in ChainCheckpoint::reads).
// Links: a link must show dependence, so the cut-down link probe (no controls, stored bases,
// layers by index, small nulls at the full probe's thresholds) runs first and the full probe, with
// its controls where needed, only for links it does not show dependent (ChainOptions::full_links).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit_run.h"
#include "audit/chain/chain_manifest.h"
#include "audit/chain/chain_result.h"
#include "reports/document.h"

namespace lineage::audit {

struct ChainOptions {
    ChainManifest manifest;
    std::vector<std::string> bases;
    std::vector<std::string> registries;   // fingerprint registries: every entry is a base of the
                                           // origin (screened through its fingerprint)
    std::optional<std::string> submitted;  // the model under review (binding)
    std::optional<std::uint64_t> seed;     // none: each probe's documented default seed
    // Which checkpoints are compared with the bases: `carry` (default) the origin always, and a
    // later checkpoint only where continuity does not carry the origin's independence to it (the
    // link into it not shown on every layer and every sampled component, or an earlier failure);
    // `every` each checkpoint; `origin_only` the origin only.
    enum class BaseComparisons : std::uint8_t { carry, every, origin_only };
    BaseComparisons base_comparisons = BaseComparisons::carry;
    int samples_per_tensor = 4096;           // sketch size for distances
    // false: each link is tested by the link probe first (probes/weights/link_probe.h) and by the
    // full weight probe only where that does not show dependence; true: the full probe on every
    // link (slower; a link the link probe shows dependent passed valid tests at the full probe's
    // thresholds, see link_probe.h).
    bool full_links = false;
    std::string command;
};

// Throws InputError for unreadable checkpoints, bases or manifest entries.
ChainResult run_chain(const ChainOptions& options, reports::Language lang, const Progress& progress);

}  // namespace lineage::audit
