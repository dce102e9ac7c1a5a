// Dequantisation of bitsandbytes 4-bit weights (Linear4bit, NF4 or FP4) as transformers serialises
// them, next to the packed `<m>.weight` (uint8, two values per byte):
//
//   <m>.weight.absmax          per-block scale: f32 (blocksize values per block), or with nested
//                              ("compress_statistics") quantisation uint8 codes, decoded as
//                              nested_quant_map[code] * nested_absmax[i / nested_blocksize] +
//                              nested_offset
//   <m>.weight.quant_map       f32[16], the NF4 or FP4 code book
//   <m>.weight.nested_absmax, .nested_quant_map (f32[256])   with nested quantisation only
//   <m>.weight.quant_state.bitsandbytes__nf4|fp4   uint8 bytes of a JSON object: quant_type,
//                              blocksize, dtype, shape, and nested_blocksize, nested_offset
//
// Element k is the high nibble of byte k / 2 when k is even, the low nibble when odd;
// W[k] = quant_map[nibble] * absmax[k / blocksize]  (bitsandbytes' dequantize_4bit).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace lineage::weights {

// absmax as f32 from nested uint8 codes (bitsandbytes' dequantize_blockwise + offset).
std::vector<float> decode_nested_absmax(std::span<const std::uint8_t> codes,
                                        std::span<const float> code_book,
                                        std::span<const float> nested_absmax,
                                        std::int64_t nested_blocksize, float offset,
                                        const std::string& where);

// `count` values of a packed 4-bit tensor. Throws InputError(where, ...) on size mismatches.
std::vector<float> dequantize_bnb4(std::span<const std::uint8_t> packed,
                                   std::span<const float> absmax, std::span<const float> quant_map,
                                   std::uint64_t count, std::int64_t blocksize,
                                   const std::string& where);

}  // namespace lineage::weights
