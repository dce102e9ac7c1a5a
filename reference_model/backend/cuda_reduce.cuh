// Block-wide reductions for the one-block-per-row kernels (norms, softmax, attention): each thread
// passes its partial value and every thread gets the block's total back. Warp shuffles reduce
// inside each warp, the 32 warp results meet in shared memory, and warp 0 reduces those.
// Requirements: blockDim.x is a multiple of 32 and at most 1024, and every thread of the block
// calls the function (it contains __syncthreads()).
#pragma once

#include <cuda_runtime.h>

#include <cfloat>

namespace lineage::model::cuda {

__device__ inline float warp_sum(float v) {
    for (int offset = 16; offset > 0; offset /= 2) v += __shfl_xor_sync(0xffffffffu, v, offset);
    return v;
}

__device__ inline float warp_max(float v) {
    for (int offset = 16; offset > 0; offset /= 2) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
    return v;
}

// `Op` is warp_sum or warp_max; `identity` its neutral element (0 or -FLT_MAX).
template <float (*Op)(float)>
__device__ inline float block_reduce(float v, float identity) {
    __shared__ float partial[32];
    __shared__ float total;
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
    v = Op(v);
    if (lane == 0) partial[warp] = v;
    __syncthreads();
    if (warp == 0) {
        float w = lane < warps ? partial[lane] : identity;
        w = Op(w);
        if (lane == 0) total = w;
    }
    __syncthreads();
    const float result = total;
    __syncthreads();  // `partial`/`total` may be reused by the next call
    return result;
}

__device__ inline float block_sum(float v) { return block_reduce<warp_sum>(v, 0.0f); }
__device__ inline float block_max(float v) { return block_reduce<warp_max>(v, -FLT_MAX); }

}  // namespace lineage::model::cuda
