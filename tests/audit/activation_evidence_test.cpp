// The activation probe's verdicts become behaviour findings, never weight-lineage findings.
#include <doctest/doctest.h>

#include "audit/evidence/activation_evidence.h"

using namespace lineage;
namespace act = lineage::probes::activation;

namespace {

act::ProbeResult probe_with(act::Verdict verdict) {
    act::ProbeResult r;
    r.verdict = verdict;
    r.peak_cka.value = 0.97;
    r.peak_cka.independent_lo = 0.57;
    r.peak_cka.independent_hi = 0.73;
    r.peak_cka.independent_pairs = 28;
    r.agreement_computed = true;
    r.top1_agreement.value = 0.42;
    r.profile = {{0, 0, 0.91, 0.95}, {1, 1, 0.97, 0.98}};
    return r;
}

}  // namespace

TEST_CASE("activation evidence: verdicts map to behaviour relations") {
    const std::pair<act::Verdict, const char*> cases[] = {
        {act::Verdict::derived, "similar"},
        {act::Verdict::behaviourally_similar, "similar"},
        {act::Verdict::independent, "dissimilar"},
        {act::Verdict::inconclusive, "inconclusive"},
    };
    for (const auto& [verdict, relation] : cases) {
        audit::AuditEvidence evidence;
        audit::add_activation_evidence(probe_with(verdict), "base-A", evidence);
        REQUIRE(evidence.findings.size() == 1);
        const audit::Finding& f = evidence.findings[0];
        CHECK(f.kind == audit::FindingKind::behaviour);  // never weight lineage
        CHECK(f.relation == relation);
        CHECK(audit::is_relation_of(f.kind, f.relation));
        CHECK(f.base == "base-A");
        REQUIRE(f.null_range.has_value());
        CHECK(f.null_range->high == doctest::Approx(0.73));
    }
}

TEST_CASE("activation evidence: the CKA profile is charted with its independent range") {
    audit::AuditEvidence evidence;
    audit::add_activation_evidence(probe_with(act::Verdict::derived), "base-A", evidence);
    REQUIRE(evidence.activations.size() == 1);
    const audit::ActivationProfile& p = evidence.activations[0];
    CHECK(p.cka_diagonal == std::vector<double>{0.91, 0.97});
    REQUIRE(p.top1_agreement.has_value());
    CHECK(*p.top1_agreement == doctest::Approx(0.42));
    REQUIRE(p.independent_range.has_value());
    CHECK(p.independent_range->low == doctest::Approx(0.57));
}
