// Element types of stored tensors: every dtype of the safetensors format (and the ones GGUF and
// PyTorch files map onto), with their sizes and names. Conversion to fp32 is in convert.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace lineage::weights {

enum class DType : std::uint8_t {
    F64, F32, F16, BF16,
    F8_E4M3, F8_E5M2, F8_E8M0,  // 8-bit floats (E8M0: exponent-only scales)
    F4,                          // packed 4-bit float (two per byte, MX-style E2M1)
    I64, I32, I16, I8,
    U64, U32, U16, U8,
    BOOL,
    C64,                         // complex64 (two f32)
    // Added after the first release of this header (keep existing values stable):
    F6_E2M3, F6_E3M2,            // packed 6-bit floats (four per three bytes)
    F8_E4M3FNUZ, F8_E5M2FNUZ,    // AMD-style 8-bit floats (no -0, single NaN 0x80)
    // ggml block-quantised types (GGUF files): a block of 32 or 256 elements is stored as scales +
    // packed integers (core/quant_blocks.h). They are not safetensors dtypes; dtype_bits() is 0.
    Q4_0, Q4_1, Q5_0, Q5_1, Q8_0,
    Q2_K, Q3_K, Q4_K, Q5_K, Q6_K,
};

// Bytes per element; F4 and block types report 0 (use bytes_for_elements).
std::size_t dtype_size(DType t);
// Elements per block: 32 or 256 for ggml block types, 1 for every other type.
std::size_t dtype_block_elements(DType t);
// Bytes per block of a ggml block type (0 for other types).
std::size_t dtype_block_bytes(DType t);
inline bool is_block_type(DType t) { return dtype_block_elements(t) > 1; }
// Bytes taken by `n` elements of `t` (sub-byte types round up to whole bytes, block types to whole
// blocks); nullopt on overflow.
std::optional<std::uint64_t> bytes_for_elements(DType t, std::uint64_t n);
// The safetensors spelling ("BF16", "F8_E4M3", ...).
std::string_view dtype_name(DType t);
// Parses the safetensors spelling; nullopt for an unknown name.
std::optional<DType> parse_dtype(std::string_view name);
bool is_floating(DType t);
// Bits per element (4 for F4, 6 for F6_*, 0 for block types, 8 * dtype_size otherwise).
std::size_t dtype_bits(DType t);
// Every dtype, in enum order (for tests and tables).
std::span<const DType> all_dtypes();

}  // namespace lineage::weights
