// Adapter from the activation probe (probes/activation/activation_probe.h) to audit evidence: the
// CKA profile the report charts, and one model-level finding of kind "behaviour" per base.
// Activations are evidence about behaviour, never about weight lineage: a student distilled from a
// base computes like it without carrying its weights, so even a "derived"-looking CKA profile is
// reported as behavioural similarity, and only the weight probe can make a component "derived".
#pragma once

#include <string>

#include "audit/audit_result.h"
#include "probes/activation/probe_result.h"

namespace lineage::audit {

// `result` compares the base (A) with the candidate (B).
void add_activation_evidence(const probes::activation::ProbeResult& result,
                             const std::string& base_label, AuditEvidence& evidence);

}  // namespace lineage::audit
