// Adapter from the tokenizer probe (probes/tokenizer/tokenizer_probe.h) to audit evidence: one
// model-level finding of kind "tokenizer" per base (its relation as the probe names it), and the
// figures the report charts (overlap, containment, order preservation) with their null ranges.
#pragma once

#include <string>

#include "audit/audit_result.h"
#include "probes/tokenizer/tokenizer_probe.h"

namespace lineage::audit {

// `result` compares the base's tokenizer (A) with the candidate's (B).
void add_tokenizer_evidence(const probes::TokenizerLineage& result, const std::string& base_label,
                            AuditEvidence& evidence);

}  // namespace lineage::audit
