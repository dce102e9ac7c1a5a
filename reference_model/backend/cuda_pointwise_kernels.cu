// Elementwise kernels of the CUDA backend: gated activations (LlamaMLP's act(gate) * up), add,
// scale, soft-capping, rotary embeddings, and bf16/f16 <-> fp32 conversion. Each thread handles
// elements i = global thread index, then strides by the grid size (grid-stride loop), so any n
// works with a capped grid. The activation formulas are the CPU backend's, term for term.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "reference_model/backend/cuda_check.cuh"
#include "reference_model/backend/cuda_kernels.cuh"

namespace lineage::model::cuda {

namespace {

constexpr int kThreads = 256;

#define LINEAGE_GRID_STRIDE(i, n) \
    for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < (n); \
         i += static_cast<std::int64_t>(gridDim.x) * blockDim.x)

__device__ inline float activate(float g, Activation act) {
    switch (act) {
        case Activation::silu: return g / (1.0f + expf(-g));
        case Activation::gelu: return 0.5f * g * (1.0f + erff(g * 0.70710678118654752f));
        case Activation::gelu_tanh: {
            const float k = 0.7978845608028654f;  // sqrt(2/pi)
            return 0.5f * g * (1.0f + tanhf(k * (g + 0.044715f * g * g * g)));
        }
        case Activation::relu: return fmaxf(g, 0.0f);
    }
    return 0.0f;
}

// gate, up and out may alias (each element is read, then written by the same thread).
__global__ void gated_kernel(const float* gate, const float* up, Activation act, float* out, std::int64_t n) {
    LINEAGE_GRID_STRIDE(i, n) out[i] = activate(gate[i], act) * up[i];
}

__global__ void add_kernel(const float* a, const float* b, float* out, std::int64_t n) {
    LINEAGE_GRID_STRIDE(i, n) out[i] = a[i] + b[i];
}

// Element i of y [rows, cols] is column i % cols.
__global__ void add_bias_kernel(float* y, const float* __restrict__ bias, std::int64_t n, std::int64_t cols) {
    LINEAGE_GRID_STRIDE(i, n) y[i] += bias[i % cols];
}

__global__ void scale_kernel(float* x, float s, std::int64_t n) {
    LINEAGE_GRID_STRIDE(i, n) x[i] *= s;
}

__global__ void softcap_kernel(float* x, float cap, std::int64_t n) {
    LINEAGE_GRID_STRIDE(i, n) x[i] = cap * tanhf(x[i] / cap);
}

// One thread per rotated pair: item = (t * heads + h) * half + i, i.e. token t, head h, pair i.
// neox pairs dims (i, i + half) of the head; interleaved pairs (2i, 2i + 1). Dims >= 2 * half of
// each head pass through untouched. Each pair is read and written by exactly one thread.
__global__ void rope_kernel(float* x, std::int64_t tokens, std::int64_t heads, std::int64_t head_dim,
                            const float* __restrict__ cos, const float* __restrict__ sin, std::int64_t half,
                            bool neox) {
    const std::int64_t n = tokens * heads * half;
    LINEAGE_GRID_STRIDE(item, n) {
        const std::int64_t i = item % half;
        const std::int64_t th = item / half;  // t * heads + h
        const std::int64_t t = th / heads;
        float* v = x + th * head_dim;         // row t, head h: x[t, h * head_dim ...]
        const std::int64_t a = neox ? i : 2 * i;
        const std::int64_t z = neox ? i + half : 2 * i + 1;
        const float c = cos[t * half + i], s = sin[t * half + i];
        const float x1 = v[a], x2 = v[z];
        v[a] = x1 * c - x2 * s;
        v[z] = x2 * c + x1 * s;
    }
}

__global__ void widen_bf16_kernel(const std::uint16_t* src, float* out, std::int64_t n) {
    // bf16 is the top half of an fp32 bit pattern.
    LINEAGE_GRID_STRIDE(i, n) out[i] = __uint_as_float(static_cast<unsigned>(src[i]) << 16);
}

__global__ void widen_f16_kernel(const std::uint16_t* src, float* out, std::int64_t n) {
    LINEAGE_GRID_STRIDE(i, n) out[i] = __half2float(__ushort_as_half(src[i]));
}

__global__ void narrow_bf16_kernel(const float* src, std::uint16_t* out, std::int64_t n) {
    LINEAGE_GRID_STRIDE(i, n) out[i] = __bfloat16_as_ushort(__float2bfloat16_rn(src[i]));
}

__global__ void narrow_f16_kernel(const float* src, std::uint16_t* out, std::int64_t n) {
    LINEAGE_GRID_STRIDE(i, n) out[i] = __half_as_ushort(__float2half_rn(src[i]));
}

#undef LINEAGE_GRID_STRIDE

}  // namespace

void gated_activation(const float* gate, const float* up, Activation act, float* out, std::int64_t n,
                      cudaStream_t stream) {
    if (n == 0) return;
    gated_kernel<<<grid_for(n, kThreads), kThreads, 0, stream>>>(gate, up, act, out, n);
    check_launch("gated_kernel");
}

void add(const float* a, const float* b, float* out, std::int64_t n, cudaStream_t stream) {
    if (n == 0) return;
    add_kernel<<<grid_for(n, kThreads), kThreads, 0, stream>>>(a, b, out, n);
    check_launch("add_kernel");
}

void add_bias_rows(float* y, const float* bias, std::int64_t rows, std::int64_t cols, cudaStream_t stream) {
    const std::int64_t n = rows * cols;
    if (n == 0) return;
    add_bias_kernel<<<grid_for(n, kThreads), kThreads, 0, stream>>>(y, bias, n, cols);
    check_launch("add_bias_kernel");
}

void scale(float* x, float s, std::int64_t n, cudaStream_t stream) {
    if (n == 0) return;
    scale_kernel<<<grid_for(n, kThreads), kThreads, 0, stream>>>(x, s, n);
    check_launch("scale_kernel");
}

void softcap(float* x, float cap, std::int64_t n, cudaStream_t stream) {
    if (n == 0) return;
    softcap_kernel<<<grid_for(n, kThreads), kThreads, 0, stream>>>(x, cap, n);
    check_launch("softcap_kernel");
}

void rope(float* x, std::int64_t tokens, std::int64_t heads, std::int64_t head_dim, const float* cos,
          const float* sin, std::int64_t half, RopeStyle style, cudaStream_t stream) {
    const std::int64_t n = tokens * heads * half;
    if (n == 0) return;
    rope_kernel<<<grid_for(n, kThreads), kThreads, 0, stream>>>(x, tokens, heads, head_dim, cos, sin, half,
                                                                style == RopeStyle::neox);
    check_launch("rope_kernel");
}

void widen_bf16(const std::uint16_t* src, float* out, std::int64_t n, cudaStream_t stream) {
    if (n == 0) return;
    widen_bf16_kernel<<<grid_for(n, kThreads), kThreads, 0, stream>>>(src, out, n);
    check_launch("widen_bf16_kernel");
}

void widen_f16(const std::uint16_t* src, float* out, std::int64_t n, cudaStream_t stream) {
    if (n == 0) return;
    widen_f16_kernel<<<grid_for(n, kThreads), kThreads, 0, stream>>>(src, out, n);
    check_launch("widen_f16_kernel");
}

void narrow_bf16(const float* src, std::uint16_t* out, std::int64_t n, cudaStream_t stream) {
    if (n == 0) return;
    narrow_bf16_kernel<<<grid_for(n, kThreads), kThreads, 0, stream>>>(src, out, n);
    check_launch("narrow_bf16_kernel");
}

void narrow_f16(const float* src, std::uint16_t* out, std::int64_t n, cudaStream_t stream) {
    if (n == 0) return;
    narrow_f16_kernel<<<grid_for(n, kThreads), kThreads, 0, stream>>>(src, out, n);
    check_launch("narrow_f16_kernel");
}

}  // namespace lineage::model::cuda
