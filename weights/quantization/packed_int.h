// Dequantisation of the packed-integer weight layouts of GPTQ and AWQ checkpoints into the
// nn.Linear weight they stand for, W (out_features, in_features), as fp32. Conventions (auto-gptq,
// GPTQModel, autoawq, as transformers loads them):
//
//   GPTQ   qweight int32 (in / p, out)      p = 32 / bits values per int32, packed along `in`,
//                                            element i of a word in bits [bits*i, bits*i + bits)
//          qzeros  int32 (groups, out / p)  packed the same way along `out`
//          scales  f16   (groups, out)
//          g_idx   int32 (in)               group of each input channel (act-order permutes it;
//                                            absent: i / group_size)
//          W[o, i] = scales[g, o] * (q[i, o] - (z[g, o] + zero_offset)),  g = g_idx[i]
//          zero_offset = 1 for the original "gptq" checkpoint format (it stores zero - 1), 0 for
//          GPTQModel's "gptq_v2".
//   AWQ    qweight int32 (in, out / 8)      4-bit, packed along `out` in the interleaved order
//          qzeros  int32 (groups, out / 8)    [0, 2, 4, 6, 1, 3, 5, 7]: nibble j of word c holds
//          scales  f16   (groups, out)        column 8c + order[j]  (autoawq's GEMM layout)
//          W[o, i] = scales[i / group_size, o] * (q[i, o] - z[i / group_size, o])
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace lineage::weights {

struct PackedIntShape {
    std::int64_t in = 0, out = 0;  // features of the nn.Linear
    int bits = 4;
    std::int64_t group_size = 0;  // AWQ, and GPTQ without g_idx; -1 / 0: one group
};

// Throws InputError(where, ...) when a tensor's size does not match the shape.
std::vector<float> dequantize_gptq(std::span<const std::int32_t> qweight,
                                   std::span<const std::int32_t> qzeros,
                                   std::span<const float> scales,
                                   std::span<const std::int32_t> g_idx, const PackedIntShape& shape,
                                   int zero_offset, const std::string& where);

std::vector<float> dequantize_awq(std::span<const std::int32_t> qweight,
                                  std::span<const std::int32_t> qzeros,
                                  std::span<const float> scales, const PackedIntShape& shape,
                                  const std::string& where);

}  // namespace lineage::weights
