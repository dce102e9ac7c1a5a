// Adapter from the tokenizer probe (probes/tokenizer/tokenizer_probe.h) to audit evidence: one
// model-level finding of kind "tokenizer" per base (its relation as the probe names it), and the
// figures the report charts (overlap, containment, order preservation) with their null ranges.
#pragma once

#include <filesystem>
#include <string>

#include "audit/audit_result.h"
#include "probes/tokenizer/tokenizer_probe.h"

namespace lineage::audit {

// `result` compares the base's tokenizer (A) with the candidate's (B).
void add_tokenizer_evidence(const probes::TokenizerLineage& result, const std::string& base_label,
                            AuditEvidence& evidence);

// Runs the tokenizer probe on the base's folder and the candidate's and adds its evidence. A probe
// that cannot read well-formed input records the step as skipped, so the audit still reports.
void run_tokenizer_evidence(const std::filesystem::path& base_dir,
                            const std::filesystem::path& candidate_dir,
                            const std::string& base_label, AuditEvidence& evidence);

}  // namespace lineage::audit
