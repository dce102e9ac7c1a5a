// Post-open pass over a whole checkpoint, for quantised Hugging Face layouts whose meaning spans
// several stored tensors and the config. Checkpoint::open calls it once, after every file has been
// read and config.json parsed, before the tensors are sorted. Recognised, by
// config.json's quantization_config.quant_method and by tensor names:
//
//   GPTQ        <m>.qweight, .qzeros, .scales[, .g_idx]   dequantised (2/4/8 bits) -> <m>.weight
//   AWQ (GEMM)  <m>.qweight, .qzeros, .scales             dequantised (4 bits)     -> <m>.weight
//   FP8         <m>.weight (float8) + .weight_scale_inv / .weight_scale
//               (HF "fp8", DeepSeek 128x128 blocks, compressed-tensors float-quantized, fbgemm)
//                                                          dequantised in place     -> <m>.weight
//   bitsandbytes int8  <m>.weight (int8) + .SCB            dequantised (W * SCB / 127)
//   bitsandbytes 4-bit <m>.weight (packed) + .weight.absmax/.quant_map/.quant_state... (NF4, FP4,
//               nested absmax)                              dequantised (bnb4.h)   -> <m>.weight
//   compressed-tensors pack-quantized  <m>.weight_packed + .weight_scale ...
//               not dequantised: left as stored (there is no <m>.weight) and listed as not
//               comparable. So is an FP8 weight whose scale fits no known layout (its packed
//               weight renamed <m>.weight.packed, so no probe reads it as a matrix).
//
// Dequantised weights are fp32 buffers appended to `owners` (4 bytes per weight: a 7B GPTQ model
// costs ~28 GB; the dequantised values are exact in fp32), named like the original `.weight`, so
// everything above sees an ordinary checkpoint. Consumed tensors (qweight, qzeros, scales, g_idx,
// weight_scale*, SCB, absmax, quant_map, quant_state) are removed.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "weights/core/tensor_info.h"
#include "weights/model_config.h"

namespace lineage::weights {

struct QuantizationSummary {
    std::string scheme;           // "gptq", "awq", "fp8", "bitsandbytes", ...; "" if none
    std::size_t dequantised = 0;  // weights rebuilt
    std::vector<std::string> not_comparable;  // "<component>: <reason>", in name order
};

// Throws InputError (naming the tensor's file) when a recognised layout is malformed.
QuantizationSummary apply_quantized_layouts(std::vector<TensorInfo>& tensors,
                                            std::vector<std::shared_ptr<const void>>& owners,
                                            const std::optional<ModelConfig>& config,
                                            const std::filesystem::path& root);

}  // namespace lineage::weights
