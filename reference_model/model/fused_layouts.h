// Stored layouts the reference transformer rearranges when it loads a block (host fp32):
//   transpose_host     GPT-2's Conv1D keeps every matrix as [in, out]; transformers' Linear (and
//                      our matmul_wt) wants [out, in].
//   split_qkv_host     one fused q/k/v projection (matrix [rows, in] or bias [rows]) into three:
//                      concatenated rows [q; k; v] (Phi-3, GPT-2 once transposed) or per-head rows
//                      [h0: q k v, h1: q k v, ...] (GPT-NeoX's query_key_value, viewed in
//                      transformers as [.., heads, 3·head_dim]).
#pragma once

#include <array>
#include <cstdint>

#include "reference_model/architecture/family_traits.h"
#include "reference_model/tensor/tensor.h"

namespace lineage::model {

// [r, c] -> [c, r], fp32 host.
Tensor transpose_host(const Tensor& m);

// q [H·hd, ...], k and v [Hkv·hd, ...] from a fused fp32 host tensor whose first dimension is
// (H + 2·Hkv)·hd. per_head needs H == Hkv. Throws InternalError on a size mismatch.
std::array<Tensor, 3> split_qkv_host(const Tensor& fused, QkvLayout layout, std::int64_t heads, std::int64_t kv_heads,
                                     std::int64_t head_dim);

}  // namespace lineage::model
