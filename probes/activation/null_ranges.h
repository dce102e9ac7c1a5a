// The ranges the activation probe's figures take between independent models, measured on the
// lineage zoo's independent pairs (bench/probe_calibrate.sh runs `lineage probe --json` on them
// and writes null_ranges.json next to this file). A figure counts as unusual only beyond its
// range. The compiled-in defaults equal the shipped file (a test checks); pairs == 0 means the
// figure is not calibrated and the verdict falls back to the rule's absolute thresholds.
#pragma once

#include <string>

namespace lineage::probes::activation {

struct IndependentRange {
    double lo = 0.0, hi = 0.0;
    int pairs = 0;  // independent pairs measured
};

struct IndependentRanges {
    IndependentRange peak_cka;             // max debiased CKA along the layer alignment
    IndependentRange diagonal_cka;         // mean debiased CKA along the layer alignment
    IndependentRange diagonal_cka_linear;  // the same with linear (biased) CKA
    IndependentRange top1_agreement;
    IndependentRange js_divergence;
    std::string measured_on;               // which zoo and pairs
    std::string source = "built-in defaults";
};

IndependentRanges builtin_null_ranges();
std::string default_null_ranges_path();
// Throws InputError naming the file and field on bad content.
IndependentRanges load_null_ranges(const std::string& path);
// default_null_ranges_path() if present, else the built-in values.
IndependentRanges default_null_ranges();

}  // namespace lineage::probes::activation
