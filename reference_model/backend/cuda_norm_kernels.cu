// RMSNorm and LayerNorm on CUDA: one block of kRowThreads threads per row; each thread strides
// over the row's d elements (thread t handles t, t + blockDim, ...), the block reduces the sums,
// and each thread writes its own elements. Mirrors CpuBackend::rmsnorm (LlamaRMSNorm: fp32
// variance, y = w * (x * rsqrt)) and Backend::layernorm (torch.nn.LayerNorm, biased variance,
// mean first, then the variance about it). The CPU sums in double; the tree sum here is fp32,
// which the tests' tolerances allow for.
#include "reference_model/backend/cuda_check.cuh"
#include "reference_model/backend/cuda_kernels.cuh"
#include "reference_model/backend/cuda_reduce.cuh"

namespace lineage::model::cuda {

namespace {

__global__ void rmsnorm_kernel(const float* x, const float* __restrict__ w, float eps, bool plus_one,
                               float* y, std::int64_t d) {
    const std::int64_t row = blockIdx.x;
    const float* xr = x + row * d;  // x and y may alias: every element is read before the
    float* yr = y + row * d;        // reduction's barrier and written only after it
    float sum = 0.0f;
    for (std::int64_t i = threadIdx.x; i < d; i += blockDim.x) sum += xr[i] * xr[i];
    const float total = block_sum(sum);
    const float inv = 1.0f / sqrtf(total / static_cast<float>(d) + eps);
    for (std::int64_t i = threadIdx.x; i < d; i += blockDim.x) {
        const float wi = plus_one ? 1.0f + w[i] : w[i];
        yr[i] = wi * (xr[i] * inv);
    }
}

__global__ void layernorm_kernel(const float* x, const float* __restrict__ w, const float* b, float eps,
                                 float* y, std::int64_t d) {
    const std::int64_t row = blockIdx.x;
    const float* xr = x + row * d;
    float* yr = y + row * d;
    float sum = 0.0f;
    for (std::int64_t i = threadIdx.x; i < d; i += blockDim.x) sum += xr[i];
    const float mean = block_sum(sum) / static_cast<float>(d);
    float sq = 0.0f;
    for (std::int64_t i = threadIdx.x; i < d; i += blockDim.x) sq += (xr[i] - mean) * (xr[i] - mean);
    const float var = block_sum(sq) / static_cast<float>(d);
    const float inv = 1.0f / sqrtf(var + eps);
    for (std::int64_t i = threadIdx.x; i < d; i += blockDim.x)
        yr[i] = (xr[i] - mean) * inv * w[i] + (b ? b[i] : 0.0f);
}

}  // namespace

void rmsnorm(const float* x, const float* w, float eps, bool plus_one, float* y, std::int64_t rows, std::int64_t d,
             cudaStream_t stream) {
    if (rows == 0 || d == 0) return;
    rmsnorm_kernel<<<static_cast<unsigned>(rows), kRowThreads, 0, stream>>>(x, w, eps, plus_one, y, d);
    check_launch("rmsnorm_kernel");
}

void layernorm(const float* x, const float* w, const float* b, float eps, float* y, std::int64_t rows, std::int64_t d,
               cudaStream_t stream) {
    if (rows == 0 || d == 0) return;
    layernorm_kernel<<<static_cast<unsigned>(rows), kRowThreads, 0, stream>>>(x, w, b, eps, y, d);
    check_launch("layernorm_kernel");
}

}  // namespace lineage::model::cuda
