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

}  // namespace lineage::probes::activation
