// The audit's per-component findings on a multimodal pair: with independent language models and
// a vision tower copied from the base and then perturbed, the audit says "vision derived from the
// base" while the projector and every language-model component are not derived.
#include <doctest/doctest.h>

#include "../probes/synthetic_vlm.h"
#include "audit/evidence/weight_evidence.h"
#include "probes/weights/compare.h"

using namespace lineage::audit;
namespace pw = lineage::probes::weights;
using lineage::test::synthetic_vlm;

TEST_CASE("a lifted vision tower is its own derived component in the audit") {
    const auto base = synthetic_vlm("base", {.language_seed = 1, .vision_seed = 2, .projector_seed = 3});
    const auto candidate = synthetic_vlm("candidate", {.language_seed = 11, .vision_seed = 2, .projector_seed = 13,
                                                       .vision_noise = 0.5});
    pw::CompareOptions o;
    o.rule = pw::default_verdict_rule();
    o.rule.cka_shuffles = 200;
    const pw::CompareResult r = pw::compare_models(*base, *candidate, o);

    const auto components = components_of(*candidate);
    CHECK(std::find(components.begin(), components.end(), "vision") != components.end());
    CHECK(std::find(components.begin(), components.end(), "projector") != components.end());

    AuditEvidence e;
    add_weight_evidence(r, "base", e);
    const Finding* vision = nullptr;
    const Finding* projector = nullptr;
    int derived_language = 0;
    for (const auto& f : e.findings) {
        if (f.component == "vision") vision = &f;
        else if (f.component == "projector") projector = &f;
        else derived_language += f.relation == "derived";
    }
    REQUIRE(vision);
    CHECK(vision->relation == "derived");
    CHECK(vision->base == "base");
    CHECK(vision->base_component == "vision");
    REQUIRE(projector);
    CHECK(projector->relation == "independent");
    CHECK(derived_language == 0);
}
