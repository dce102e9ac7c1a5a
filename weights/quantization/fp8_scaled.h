// Dequantisation of FP8 weights with their scale tensor into fp32: W = fp8 value * scale, where
// the scale is one of
//   per-tensor   1 value                          (compressed-tensors "tensor", fbgemm, ...)
//   per-channel  `rows` values, shape (rows) or (rows, 1)                  ("channel")
//   per-block    (ceil(rows / br), ceil(cols / bc)) with block (br, bc):  DeepSeek-V3 / HF "fp8"
//                `weight_scale_inv` (a multiplier despite its name; block 128 x 128 from
//                config weight_block_size), compressed-tensors "block" and "group" (br = 1).
// A weight with leading dimensions (stacked experts, (E, rows, cols)) has one scale set per
// matrix, the scale tensor then having the same leading dimensions.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "weights/core/tensor_info.h"

namespace lineage::weights {

// Returns nullopt (with `why` set) when the scale's shape fits none of the layouts; throws
// UnsupportedError for a weight dtype that is not an 8-bit float.
std::optional<std::vector<float>> dequantize_fp8(
    const TensorInfo& weight, const TensorInfo& scale,
    std::optional<std::pair<std::int64_t, std::int64_t>> block, std::string& why);

}  // namespace lineage::weights
