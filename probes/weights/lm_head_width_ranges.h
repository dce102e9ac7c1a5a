// The calibration of the width-invariant token statistic (lm_head_width.h): its value on every
// weight-unrelated pair of the lineage zoo, the ceiling fitted over them, and the models they
// involve, by the SHA-256 of their stored lm_head and embedding bytes. Written by
// tools/calibration/lm_head_width_ranges.py into lm_head_width_ranges.json next to this file.
//
// Out of sample, as the activation probe's ranges are: when either model of a pair is one of the
// calibration models (its stored lm_head or embedding digest matches), the ceiling is refitted
// leave-one-model-out - without any calibration pair that holds that model - so a zoo model is
// never judged against a ceiling its own pairs set. No file (a binary without its source tree):
// the compiled-in ceilings, equal to the file's (tested), without the per-pair refits.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace lineage::probes::weights {

struct WidthTokenCeiling {
    double ceiling = 0.0;        // largest independent value + margin (all pairs)
    double margin = 0.0;
    double derived_floor = 1.0;  // "far beyond every independent pair": flagged, never derived alone
    int pairs = 0;
    // The calibrated domain: pairs with fewer shared tokens per hidden dim (of the wider model)
    // than the calibration saw are outside it (independent values rise there), and stay silent.
    double min_tokens_per_width = 0.0;
};

struct WidthTokenPair {
    std::string model_a, model_b;           // calibration model ids ("full:A")
    std::map<std::string, double> values;   // component -> statistic
    bool fitted = false;                    // enters the ceiling (random initialisations do not)
};

struct LmHeadWidthRanges {
    std::map<std::string, WidthTokenCeiling> components;  // lm_head, token_embedding
    std::vector<WidthTokenPair> pairs;
    // model id -> (component -> stored tensor sha256)
    std::map<std::string, std::map<std::string, std::string>> model_digests;
    std::string measured_on;
    std::string source;  // the file read, or "" when not calibrated
    bool calibrated() const { return !components.empty(); }
};

// The ceiling for `component` without any fitted pair holding one of `exclude` (model ids);
// pairs = the number of pairs it was fitted on (0: none left, not calibrated).
WidthTokenCeiling ceiling_without(const LmHeadWidthRanges& r, const std::string& component,
                                  const std::vector<std::string>& exclude);

// Calibration model ids whose stored `component` digest is `sha256` (empty digest: none).
std::vector<std::string> calibration_models_with(const LmHeadWidthRanges& r, const std::string& component,
                                                 const std::string& sha256);

// Throws InputError naming the file and field on bad content.
LmHeadWidthRanges load_lm_head_width_ranges(const std::string& path);
std::string default_lm_head_width_ranges_path();
// The shipped file, read once; the compiled-in ceilings when it is absent.
const LmHeadWidthRanges& default_lm_head_width_ranges();
LmHeadWidthRanges builtin_lm_head_width_ranges();

}  // namespace lineage::probes::weights
