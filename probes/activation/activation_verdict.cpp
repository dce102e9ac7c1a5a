// The activation probe's verdict from its calibrated figures (the rule is described in
// verdict_rule.h). Derivation is decided by hidden-state CKA alone; output agreement can only
// make a pair "behaviourally similar", never "derived", because a distilled student copies outputs
// without inheriting weights.
#include <cstdio>
#include <string>

#include "probes/activation/activation_probe.h"

namespace lineage::probes::activation {
namespace {

std::string fmt(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", v);
    return buf;
}

// beyond_null: past every shuffled draw and past mean + z sd, in the figure's closer direction.
void mark_null(CalibratedFigure& f, double z_min) {
    if (f.null_draws == 0) return;
    if (f.higher_is_closer)
        f.beyond_null = f.value > f.null_extreme && f.value > f.null_mean + z_min * f.null_sd;
    else
        f.beyond_null = f.value < f.null_extreme && f.value < f.null_mean - z_min * f.null_sd;
}

void mark_independent(CalibratedFigure& f, double margin) {
    if (f.independent_pairs == 0) return;
    f.beyond_independent = f.higher_is_closer ? f.value >= f.independent_hi + margin : f.value <= f.independent_lo - margin;
}

}  // namespace

const char* verdict_name(Verdict v) {
    switch (v) {
        case Verdict::derived: return "derived";
        case Verdict::behaviourally_similar: return "behaviourally-similar";
        case Verdict::independent: return "independent";
        case Verdict::inconclusive: return "inconclusive";
    }
    return "inconclusive";
}

void decide_verdict(ProbeResult& r, const VerdictRule& rule) {
    r.reasons.clear();
    mark_null(r.peak_cka, rule.null_z_min);
    mark_independent(r.peak_cka, rule.independent_margin);
    mark_null(r.diagonal_cka, rule.null_z_min);
    mark_null(r.diagonal_cka_linear, rule.null_z_min);
    mark_independent(r.diagonal_cka, rule.independent_margin);
    mark_independent(r.diagonal_cka_linear, rule.independent_margin);
    mark_null(r.top1_agreement, rule.null_z_min);
    mark_null(r.js_divergence, rule.null_z_min);
    mark_independent(r.top1_agreement, rule.behaviour_margin);
    mark_independent(r.js_divergence, rule.behaviour_margin);

    const CalibratedFigure& cka = r.peak_cka;
    const bool calibrated = cka.independent_pairs > 0;
    const double cka_floor = rule.derived_min_peak_cka;
    const bool cka_high = cka.value >= cka_floor && cka.beyond_null && (!calibrated || cka.beyond_independent);
    const bool cka_ordinary = calibrated ? cka.value <= cka.independent_hi + rule.independent_margin
                                         : cka.value <= rule.independent_max_peak_cka;

    bool outputs_alike = false;
    if (r.agreement_computed) {
        const bool top1_cal = r.top1_agreement.independent_pairs > 0, js_cal = r.js_divergence.independent_pairs > 0;
        const bool top1_high = r.top1_agreement.beyond_null &&
                               (top1_cal ? r.top1_agreement.beyond_independent : r.top1_agreement.value >= rule.behaviour_min_top1);
        const bool js_low = r.js_divergence.beyond_null &&
                            (js_cal ? r.js_divergence.beyond_independent : r.js_divergence.value <= rule.behaviour_max_js);
        outputs_alike = rule.behaviour_needs_both ? (top1_high && js_low) : (top1_high || js_low);
        r.reasons.push_back("outputs: top-1 agreement " + fmt(r.top1_agreement.value) + " (shuffled " +
                            fmt(r.top1_agreement.null_mean) + ", independent " +
                            (top1_cal ? fmt(r.top1_agreement.independent_lo) + "-" + fmt(r.top1_agreement.independent_hi)
                                      : std::string("not calibrated")) +
                            "), JS divergence " + fmt(r.js_divergence.value) + " bits (shuffled " +
                            fmt(r.js_divergence.null_mean) + ", independent " +
                            (js_cal ? fmt(r.js_divergence.independent_lo) + "-" + fmt(r.js_divergence.independent_hi)
                                    : std::string("not calibrated")) +
                            "): " + (outputs_alike ? "alike beyond independent models" : "not unusually alike"));
    } else {
        r.reasons.push_back("outputs not compared: " + r.agreement_note);
    }
    const std::string cka_text =
        "hidden states: peak debiased CKA along the layer alignment " + fmt(cka.value) + " (mean " +
        fmt(r.diagonal_cka.value) + "; shuffled null " +
        fmt(cka.null_mean) + " +- " + fmt(cka.null_sd) + ", max " + fmt(cka.null_extreme) + "; independent pairs " +
        (calibrated ? fmt(cka.independent_lo) + "-" + fmt(cka.independent_hi) + " over " + std::to_string(cka.independent_pairs) + " pairs"
                    : std::string("not calibrated, absolute thresholds used")) +
        ")";

    if (calibrated) {
        std::string note = "independent ranges measured on " +
                           (r.ranges_measured_on.empty() ? std::string("(not recorded)") : r.ranges_measured_on);
        if (!r.calibration_models_known)
            note += "; the ranges file lists no models, so whether they are out of sample for this pair is unknown";
        else if (r.calibration_overlap.empty())
            note += "; out of sample for this pair (neither model is a calibration model)";
        else {
            note += "; IN SAMPLE for this pair:";
            for (const auto& o : r.calibration_overlap) note += " " + o + ";";
            note += " the ranges include pairs with this model";
        }
        r.reasons.push_back(note);
    }

    if (cka_high) {
        r.verdict = Verdict::derived;
        r.reasons.insert(r.reasons.begin(), cka_text + ": beyond the null and the independent range (>= " + fmt(cka_floor) + ")");
        r.summary = "derived: the hidden states of B track A's layer by layer far beyond independent models";
    } else if (outputs_alike) {
        // A distilled student copies outputs and, partly, representations; without derived-level CKA
        // this is behaviour, not weight lineage.
        r.verdict = Verdict::behaviourally_similar;
        r.reasons.insert(r.reasons.begin(), cka_text + ": below the derived threshold " + fmt(cka_floor));
        r.summary = "behaviourally similar: the outputs agree like a distilled pair, but the hidden states do not "
                    "show weight lineage (reported apart from derivation)";
    } else if (cka_ordinary) {
        r.verdict = Verdict::independent;
        r.reasons.insert(r.reasons.begin(), cka_text + ": within what independent models reach");
        r.summary = "independent: neither hidden states nor outputs are closer than independent models'";
    } else {
        r.verdict = Verdict::inconclusive;
        r.reasons.insert(r.reasons.begin(), cka_text + ": above the independent range but below the derived threshold " + fmt(cka_floor));
        r.summary = "inconclusive: the hidden states are closer than independent models' but not clearly derived";
    }
}

}  // namespace lineage::probes::activation
