// Known pitfalls of lineage claims, and when a report must explain them. Public accusations in this
// field failed on statistics that are high for unrelated models too: the cosine of norm weights
// (all gains sit near a constant, so unrelated models score ~0.99), the correlation of per-layer
// attention standard-deviation curves (shaped by architecture and initialisation), raw cosine of
// weight matrices, identical configurations, and output similarity (which distillation produces
// without any weight lineage). The probes report such figures only as descriptive numbers; the
// report prints each beside the range it takes between independent models, with the explanation.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audit/verdict/finding.h"

namespace lineage::audit {

// A naive statistic measured for this candidate, shown for explanation only.
struct DescriptiveFigure {
    std::string statistic;  // a Pitfall::statistic, e.g. "norm_cosine"
    std::string base;       // the base it was measured against
    std::string scope;      // e.g. "layers.*.norms", "" for the whole model
    double value = 0.0;
    std::optional<NullRange> independent_range;  // range between independent models, when known
};

struct Pitfall {
    std::string_view id;                // "norm-cosine", ...
    std::string_view statistic;         // DescriptiveFigure::statistic that triggers it ("" = none)
    FindingKind trigger_kind;           // a finding of this kind and relation also triggers it
    std::string_view trigger_relation;  // "" = no finding triggers it
    std::string_view title_key;         // message keys (reports/i18n)
    std::string_view text_key;
};

std::span<const Pitfall> known_pitfalls();

struct PitfallNote {
    const Pitfall* pitfall = nullptr;
    std::vector<DescriptiveFigure>
        figures;  // this candidate's figures for it, sorted by base/scope
};

// The pitfalls that apply to this audit, in table order: those whose statistic was measured, and
// those a finding triggers (e.g. behavioural similarity, an identical architecture).
std::vector<PitfallNote> applicable_pitfalls(std::span<const DescriptiveFigure> figures,
                                             std::span<const Finding> findings);

}  // namespace lineage::audit
