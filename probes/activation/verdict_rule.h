// The parameters of the activation probe: sampling (positions, tokens per text, seed), the nulls,
// and the verdict thresholds, read from verdict_rule.json (next to this file in the source tree,
// or a file named with --rule); the defaults below equal the shipped file (a test checks). The rule
// (decide_verdict in activation_verdict.cpp):
//   derived               the peak debiased CKA along the layer alignment (the best-preserved layer;
//                         fine-tuning moves later layers more than early ones) is beyond its shuffled
//                         null, at least derived_min_peak_cka, and above the independent-pair range
//                         by independent_margin (when the range is calibrated);
//   behaviourally-similar not derived, but top-1 agreement above or JS divergence below the
//                         independent range (both with behaviour_needs_both; distillation: outputs
//                         alike, weights not inherited);
//   independent           peak CKA inside the independent range (or below independent_max_peak_cka
//                         when uncalibrated) and outputs not alike;
//   inconclusive          too few aligned positions, or CKA between the two regions.
#pragma once

#include <cstdint>
#include <string>

namespace lineage::probes::activation {

struct VerdictRule {
    std::int64_t max_positions = 2048;        // n of the Gram matrices (deterministic subsample)
    std::int64_t max_tokens_per_text = 128;   // longer encodings are cut
    std::int32_t skip_leading_positions = 1;  // attention-sink positions left out
    std::int64_t min_positions = 64;          // fewer aligned positions: inconclusive
    std::int64_t agreement_positions = 512;   // rows of the next-token distributions kept
    int cka_shuffles = 32;
    int agreement_shuffles = 8;
    double null_z_min = 6.0;                  // beyond null: > every draw and > mean + z sd
    double alignment_min_cka = 0.1;           // a layer pair joins the alignment above this
    double derived_min_peak_cka = 0.9;
    double independent_max_peak_cka = 0.85;  // used only when no independent range is calibrated
    double independent_margin = 0.05;
    double behaviour_min_top1 = 0.5;          // used only when uncalibrated
    double behaviour_max_js = 0.2;            // used only when uncalibrated
    double behaviour_margin = 0.03;
    bool behaviour_needs_both = false;        // outputs alike: top-1 AND JS beyond (else either)
    std::uint64_t seed = 20261123;
    std::string source = "built-in defaults";
};

// The rule file shipped with the source tree, or "" when it cannot be found.
std::string default_rule_path();
// Throws InputError naming the file and field on bad content.
VerdictRule load_verdict_rule(const std::string& path);
// default_rule_path() if present, else the built-in defaults.
VerdictRule default_verdict_rule();

}  // namespace lineage::probes::activation
