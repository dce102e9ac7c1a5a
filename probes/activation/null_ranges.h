// The ranges the activation probe's figures take between independent models, measured on the
// lineage zoo's independent pairs (bench/probe_calibrate.sh runs bench_probe_zoo over the zoo and
// writes null_ranges.json next to this file, with its provenance: the pairs and the models, by
// weights sha256, the ranges were fitted on). A figure counts as unusual only beyond its range.
// The compiled-in defaults equal the shipped file (a test checks); pairs == 0 means the figure is
// not calibrated and the verdict falls back to the rule's absolute thresholds. A probe of a model
// that is one of the calibration models is in sample; the report says so (calibration_models_at).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "probes/activation/probe_result.h"
#include "weights/core/json_value.h"

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
    // Provenance (empty for the built-ins): the pairs ("zoo:a|b") and the models they involve.
    struct Model {
        std::string id, weights_sha256;  // sha256 of the model's single safetensors file
        std::int64_t bytes = 0;          // that file's size
    };
    std::vector<std::string> pairs;
    std::vector<Model> models;
};

// The range of every figure over `independent` (results of independent pairs; a figure a result
// lacks, e.g. agreement with too few shared tokens, is skipped for it). No provenance filled.
IndependentRanges fit_independent_ranges(const std::vector<const ProbeResult*>& independent);
// The file format load_null_ranges reads, with `comment`, measured_on and provenance.
JsonValue null_ranges_json(const IndependentRanges& ranges, const std::string& comment);

// Ids of the calibration models whose weights file is the model at `path` (a folder holding one
// *.safetensors file, or that file): sizes are compared first, the sha256 only on a size match.
// Empty when none matches or the model is sharded.
std::vector<std::string> calibration_models_at(const IndependentRanges& ranges, const std::string& path);

IndependentRanges builtin_null_ranges();
std::string default_null_ranges_path();
// Throws InputError naming the file and field on bad content.
IndependentRanges load_null_ranges(const std::string& path);
// default_null_ranges_path() if present, else the built-in values.
IndependentRanges default_null_ranges();

}  // namespace lineage::probes::activation
