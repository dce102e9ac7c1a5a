// What one checkpoint-chain audit measured and decided, as plain data: per checkpoint its digest,
// distance from the start and its weight-probe relation to each base; per consecutive pair the
// weight probe's dependence and the drift against the tokens seen; the origin (first checkpoint)
// against every base and against the initialisation scheme; the binding of the final checkpoint to
// the submitted model; the verdict. chain_decide.h fills the statuses and the verdict; the report
// (chain_report.h) and the CLI read it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "audit/chain/chain_manifest.h"
#include "probes/weights/initialisation_check.h"

namespace lineage::audit {

// The weight probe's relation of a checkpoint to another model.
struct ProbeRelation {
    std::string verdict;  // derived | independent | inconclusive | not-compared
    double neg_log10_p = 0.0;            // combined evidence against independence
    double neuron_neg_log10_p = 0.0;     // neuron matching (Fisher over layers)
    double attention_neg_log10_p = 0.0;  // attention invariant
    bool exact_reuse = false;
    bool controls_run = false;
    int controls_detected = 0, controls_total = 0;
    std::string note;  // why it was not compared, or the probe's summary
    // Which probe decided: "full" (probes/weights/compare.h) or, for a link it showed dependent,
    // "link" (probes/weights/link_probe.h).
    std::string probe = "full";
};

// Where one checkpoint's reads went (stored bytes: the tensors' bytes in the files).
struct CheckpointReads {
    std::int64_t tensors = 0, stored_bytes = 0;            // the whole checkpoint
    std::int64_t pass_tensor_reads = 0, pass_bytes = 0;    // the one pass (== the whole checkpoint)
    int most_reads_of_one_tensor = 0;                      // in the pass: 1 = each tensor once
    std::int64_t digest_extra_bytes = 0;                   // hashed outside the pass (0: folded in)
    std::int64_t pairwise_tensor_reads = 0, pairwise_bytes = 0;  // later, by the pairwise statistics
                                                                 // (distinct tensors: deterministic)
};

struct ChainCheckpoint {
    ChainEntry entry;
    std::string label;   // short name for tables
    std::string digest;  // "sha256:<hex>" content digest
    std::string architecture;
    std::int64_t parameters = 0;
    double distance_from_start = 0.0;  // relative L2 distance of the weights (sampled)
    double spectral_ratio = 0.0;       // median top-singular-value / MP-edge ratio (training sign)
    std::vector<ProbeRelation> bases;  // one per ChainResult::bases (empty when not compared)
    // Why this checkpoint was not compared with the bases ("" when it was, or when no base was
    // given): "carried" (every layer and every sampled component of the link into it continues its
    // predecessor, which was itself independent of every base or carried: the origin's
    // independence reaches it by continuity) or "origin-only" (--origin-bases-only).
    std::string bases_skipped;
    CheckpointReads reads;             // where this checkpoint's reads went (checkpoint_pass.h)
};

enum class LinkStatus : std::uint8_t { descends, broken, undecided, drift_inconsistent };
const char* link_status_name(LinkStatus s);  // "descends" | "broken" | "undecided" | "drift-inconsistent"

struct ChainLink {
    std::size_t from = 0, to = 0;  // indices into checkpoints
    ProbeRelation dependence;      // the weight probe on (from, to)
    double step_distance = 0.0;    // relative L2 distance from -> to (sampled)
    std::int64_t tokens = 0;       // tokens seen between them (or steps when no tokens given)
    double drift_rate = 0.0;       // step_distance per million tokens (or per 1000 steps)
    std::string drift_note;        // why the drift is inconsistent, "" when consistent
    // Whole-model continuity, which decides whether the origin's independence of the bases is
    // carried to `to` (chain_run.cpp): the link probe's layers each beyond the thresholds on their
    // own (-1: the link probe did not decide this link), and the sampled tensors of `to` whose
    // values do not continue `from`'s (cosine of the same sampled elements within 5 sd of 0: a
    // tensor replaced by another model's).
    int layers_shown = -1, layers_tested = 0;
    std::vector<std::string> components_not_continued;
    LinkStatus status = LinkStatus::undecided;
};

enum class OriginStatus : std::uint8_t { independent, not_independent, inconclusive };
const char* origin_status_name(OriginStatus s);

struct ChainOrigin {
    probes::weights::InitialisationResult init;
    OriginStatus status = OriginStatus::inconclusive;
    std::string deciding_base;  // the base it descends from, when not independent
    std::vector<std::string> reasons;  // English, one line each (technical record)
};

enum class BindingStatus : std::uint8_t { bound, not_bound, not_checked };
const char* binding_status_name(BindingStatus s);

struct ChainBinding {
    BindingStatus status = BindingStatus::not_checked;
    std::string submitted_path, submitted_digest, final_digest;
};

enum class ChainVerdict : std::uint8_t { proven, broken, origin_not_independent, not_bound, inconclusive };
const char* chain_verdict_name(ChainVerdict v);  // "proven" | "broken" | "origin-not-independent" | ...

struct ChainBase {
    std::string label, path, digest;
    bool from_registry = false;  // a fingerprint-registry entry (compared with the origin only)
    CheckpointReads reads;       // checkpoint bases: where their reads went
};

struct ChainResult {
    std::string manifest_source;
    bool steps_from_positions = false;
    bool last_step_inferred = false;
    bool tokens_given = false;
    std::vector<ChainCheckpoint> checkpoints;
    std::vector<ChainLink> links;
    std::vector<ChainBase> bases;
    ChainOrigin origin;
    ChainBinding binding;
    ChainVerdict verdict = ChainVerdict::inconclusive;
    std::optional<std::size_t> broken_at;  // index of the first checkpoint not descending
    std::vector<std::string> reasons;      // English, one line each
    std::string command, generated_at;
    std::vector<std::pair<std::string, std::string>> parameters;
    std::vector<std::pair<std::string, std::uint64_t>> seeds;
    double seconds = 0.0;
};

}  // namespace lineage::audit
