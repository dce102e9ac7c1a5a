// Adapter from the weight-lineage probe (probes/weights/compare_result.h) to audit evidence. The
// probe compares two models pair-wise (A = the base, B = the candidate) and reports statistics per
// role and layer; the audit needs one finding per candidate component and base:
//   - exact reuse (identical digest or bit-identical rows) of a component's tensor: "derived",
//     decisive, no p-value;
//   - otherwise the component's statistics (neuron matching for the MLP, the attention invariant,
//     centred Pearson / rank correlation of norm gains, the hidden-map fit for embeddings) give a
//     p-value: the smallest, Bonferroni-corrected over the statistics of that component; "derived"
//     when one lies beyond its null, else "independent" with the pair's positive controls as its
//     stated power (controls are only run when the pair is not already derived, so components the
//     derivation did not reach stay inconclusive);
//   - the layer x layer heatmaps become candidate-layer x base-layer matrices with the aligned map;
//   - the naive descriptive figures become pitfall figures beside their independent-pair ranges.
#pragma once

#include <string>
#include <vector>

#include "audit/audit_result.h"
#include "probes/weights/compare_result.h"
#include "probes/weights/model_view.h"

namespace lineage::audit {

// Every audit component the model has, in reading order.
std::vector<std::string> components_of(const probes::weights::ModelView& model);

// Appends the findings, matrices and figures of one comparison (base = A, candidate = B).
// Embeddings or an lm_head that no statistic could pair (different vocabularies) are judged by the
// token agreement over shared tokens: independent when at most `token_agreement_max_fraction` of
// the shared tokens agree beyond the random-pair quantile (the rule's calibrated ceiling).
void add_weight_evidence(const probes::weights::CompareResult& result,
                         const std::string& base_label, AuditEvidence& evidence,
                         double token_agreement_max_fraction = 0.05);

}  // namespace lineage::audit
