// The machine record of an activation probe (`lineage probe --json`): top-level "verdict"
// (derived | behaviourally-similar | independent | inconclusive), the models, the corpus and
// alignment counts, the CKA matrices (rows = A layers, cols = B layers), the diagonal profile,
// the agreement figures, each figure with its shuffled null and independent range, and the
// parameters needed to reproduce it.
#pragma once

#include "probes/activation/probe_result.h"
#include "weights/core/json_value.h"

namespace lineage::probes::activation {

JsonValue probe_result_json(const ProbeResult& r);

// The inverse for what the verdict needs: the calibrated figures (value, higher_is_closer, null),
// positions and agreement_computed, read back from probe_result_json's output so a stored run can
// be re-decided under other ranges (bench/probe_zoo.cpp's leave-one-model-out evaluation).
// Throws InputError(`where`, ...) when a figure is missing or malformed.
ProbeResult probe_figures_from_json(const JsonValue& j, const std::string& where);

}  // namespace lineage::probes::activation
