// Applying the policy to gathered evidence: component verdicts first, then the model verdict.
#include "audit/audit_result.h"

namespace lineage::audit {

void decide(AuditResult& result) {
    result.components = decide_components(result.evidence.findings, result.policy,
                                          result.evidence.candidate_components);
    result.verdict = decide_model(result.policy, result.components, result.evidence.findings);
}

}  // namespace lineage::audit
