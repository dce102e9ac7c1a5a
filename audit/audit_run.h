// One audit, end to end: read the policy, open the candidate and every base, run the probes that
// this build has (weight lineage against each base, tokenizer relation, architecture identity),
// record the probes that did not run and why, and decide under the policy. The report is built from
// the result (report_builder.h) and written atomically (write_report_files). Every entry of a
// fingerprint registry (issue 10) is one more base, compared through its fingerprint
// (audit/registry/registry_audit.h); the report names those bases "(fingerprint)".
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit_result.h"
#include "reports/document.h"
#include "weights/model_config.h"

namespace lineage::audit {

struct AuditOptions {
    std::string candidate;
    std::vector<std::string> bases;
    std::vector<std::string> registries;     // fingerprint registries: every entry is a base
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

// The architecture finding of the candidate against one base: "identical" when every
// hyper-parameter that shapes the weights agrees, "same-family" when only the architecture class
// or model type does, else "different"; none when either config is unknown.
std::optional<Finding> architecture_finding(const std::optional<weights::ModelConfig>& candidate,
                                            const std::optional<weights::ModelConfig>& base,
                                            const std::string& base_label);

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
