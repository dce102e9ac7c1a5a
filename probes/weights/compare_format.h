// Rendering a CompareResult: the machine-readable JSON record (top-level `verdict` and `p_value`,
// then every detail) and the human-readable text of `lineage compare`.
#pragma once

#include <string>

#include "probes/weights/compare_result.h"
#include "weights/core/json_value.h"

namespace lineage::probes::weights {

JsonValue compare_to_json(const CompareResult& r);
std::string compare_to_text(const CompareResult& r);

}  // namespace lineage::probes::weights
