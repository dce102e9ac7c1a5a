// See activation_evidence.h.
#include "audit/evidence/activation_evidence.h"

#include <cstdio>

namespace lineage::audit {

namespace act = probes::activation;

namespace {

// The behaviour relation that a probe verdict amounts to (finding.h lists the relations).
const char* behaviour_relation(act::Verdict v) {
    switch (v) {
        case act::Verdict::derived:
        case act::Verdict::behaviourally_similar: return "similar";
        case act::Verdict::independent: return "dissimilar";
        case act::Verdict::inconclusive: return "inconclusive";
    }
    return "inconclusive";
}

}  // namespace

void add_activation_evidence(const act::ProbeResult& result, const std::string& base_label,
                             AuditEvidence& evidence) {
    ActivationProfile profile;
    profile.base = base_label;
    for (const auto& entry : result.profile) profile.cka_diagonal.push_back(entry.debiased);
    if (result.peak_cka.independent_pairs > 0) {
        profile.independent_range =
            NullRange{result.peak_cka.independent_lo, result.peak_cka.independent_hi,
                      std::to_string(result.peak_cka.independent_pairs) + " independent zoo pairs"};
    }
    if (result.agreement_computed) profile.top1_agreement = result.top1_agreement.value;
    evidence.activations.push_back(std::move(profile));

    Finding f;
    f.kind = FindingKind::behaviour;
    f.relation = behaviour_relation(result.verdict);
    f.base = base_label;
    f.statistic = "peak debiased CKA along the layer alignment";
    f.strength = result.peak_cka.value;
    if (result.peak_cka.independent_pairs > 0)
        f.null_range = NullRange{result.peak_cka.independent_lo, result.peak_cka.independent_hi,
                                 "independent zoo pairs"};
    char line[256];
    std::snprintf(line, sizeof line, "activation probe: %s; peak CKA %.3f, top-1 agreement %s",
                  act::verdict_name(result.verdict), result.peak_cka.value,
                  result.agreement_computed
                      ? std::to_string(result.top1_agreement.value).substr(0, 5).c_str()
                      : "not computed");
    f.evidence = line;
    evidence.findings.push_back(std::move(f));

    evidence.parameters.emplace_back("activations.positions." + base_label,
                                     std::to_string(result.positions));
    evidence.seeds.emplace_back("activations." + base_label, result.seed);
}

}  // namespace lineage::audit
