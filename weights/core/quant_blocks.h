// Dequantisation of ggml's block-quantised types (the tensor types of GGUF files) to fp32. Each
// block holds a fixed number of elements (32 for Q4_0..Q8_0, 256 for the K types) as f16 scales
// and packed integers; the layouts and formulas are those of ggml's block_q* structs and
// dequantize_row_q* functions (ggml-quants.c), written out per type in quant_blocks.cpp.
#pragma once

#include <cstddef>

#include "weights/core/dtype.h"

namespace lineage::weights {

// Decodes `n_blocks` consecutive blocks of type `t` at `src` into n_blocks *
// dtype_block_elements(t) floats at `dst`. `t` must be a block type (is_block_type).
void dequantize_blocks(DType t, const std::byte* src, std::size_t n_blocks, float* dst);

}  // namespace lineage::weights
