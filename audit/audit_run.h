// One audit, end to end: read the policy, open the candidate and every base, run the probes that
// this build has (weight lineage against each base, tokenizer relation, architecture identity),
// record the probes that did not run and why, and decide under the policy. The report is built from
// the result (report_builder.h) and written atomically (write_report_files). Registries (issue 10)
// and the activation probe (issue 7) plug in here when they exist: their evidence types are already
// in AuditEvidence, and their absence is stated in every report.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit_result.h"
#include "reports/document.h"

namespace lineage::audit {

struct AuditOptions {
    std::string candidate;
    std::vector<std::string> bases;
    std::optional<std::string> policy_path;  // none: the bundled independent-foundation policy
    std::optional<std::uint64_t> seed;       // none: each probe's documented default seed
    bool run_controls = true;                // positive controls (needed for "independent")
    bool run_activations = true;             // the activation probe (behavioural similarity)
    std::string command;                     // the command line, for the reproducibility record
};

// Called with a short description of each long step ("comparing with base X (1/3)").
using Progress = std::function<void(const std::string&)>;

// Throws InputError for unreadable inputs (candidate, base, policy); a probe that cannot handle a
// well-formed input (UnsupportedError) is recorded as skipped instead, so the audit still reports.
AuditResult run_audit(const AuditOptions& options, reports::Language lang,
                      const Progress& progress);

// Short, unique labels for the models: the last path component ("llama-3.1-8b"), with "#2", "#3"
// appended to repeats.
std::vector<std::string> model_labels(const std::vector<std::string>& paths);

// The generation time as ISO 8601 UTC. Honours SOURCE_DATE_EPOCH (reproducible-builds convention)
// so that reruns can produce byte-identical reports.
std::string generation_time();

// Writes report.json, report.md and report.html into `dir` (created if missing). Each file is
// written to a temporary name in the same directory and renamed into place, so a reader never sees
// a half-written report. Throws InputError naming the path on failure.
void write_report_files(const reports::Report& report, const std::filesystem::path& dir);

}  // namespace lineage::audit
