// Row gather / scatter kernels of the CUDA backend: the MoE block's gather of the tokens routed to
// an expert and its weighted scatter-add back (Backend::gather_rows / add_scaled_rows), and the
// embedding gather from a device table. One block per listed row; thread t handles columns
// t, t + blockDim, ... so each row's reads and writes are coalesced.
#include "reference_model/backend/cuda_check.cuh"
#include "reference_model/backend/cuda_kernels.cuh"

namespace lineage::model::cuda {

namespace {

constexpr int kThreads = 256;

// blockIdx.x = i: dst row i <- src row rows[i].
__global__ void gather_kernel(const float* __restrict__ src, const std::int64_t* __restrict__ rows,
                              float* __restrict__ dst, std::int64_t cols) {
    const std::int64_t i = blockIdx.x;
    const float* s = src + rows[i] * cols;
    float* d = dst + i * cols;
    for (std::int64_t c = threadIdx.x; c < cols; c += blockDim.x) d[c] = s[c];
}

// blockIdx.x = i: dst row rows[i] += scale[i] * src row i. atomicAdd because the same dst row may
// appear twice in one call; the CPU adds in list order, so sums of several rows may differ from it
// in the last bit.
__global__ void add_scaled_kernel(const float* __restrict__ src, const std::int64_t* __restrict__ rows,
                                  const float* __restrict__ scale, float* dst, std::int64_t cols) {
    const std::int64_t i = blockIdx.x;
    const float* s = src + i * cols;
    float* d = dst + rows[i] * cols;
    const float f = scale[i];
    for (std::int64_t c = threadIdx.x; c < cols; c += blockDim.x) atomicAdd(d + c, f * s[c]);
}

__global__ void embedding_kernel(const float* __restrict__ table, const std::int32_t* __restrict__ ids,
                                 float* __restrict__ out, std::int64_t cols) {
    const std::int64_t i = blockIdx.x;
    const float* s = table + static_cast<std::int64_t>(ids[i]) * cols;
    float* d = out + i * cols;
    for (std::int64_t c = threadIdx.x; c < cols; c += blockDim.x) d[c] = s[c];
}

}  // namespace

void gather_rows(const float* src, const std::int64_t* rows, float* dst, std::int64_t n, std::int64_t cols,
                 cudaStream_t stream) {
    if (n == 0 || cols == 0) return;
    gather_kernel<<<static_cast<unsigned>(n), kThreads, 0, stream>>>(src, rows, dst, cols);
    check_launch("gather_kernel");
}

void add_scaled_rows(const float* src, const std::int64_t* rows, const float* scale, float* dst, std::int64_t n,
                     std::int64_t cols, cudaStream_t stream) {
    if (n == 0 || cols == 0) return;
    add_scaled_kernel<<<static_cast<unsigned>(n), kThreads, 0, stream>>>(src, rows, scale, dst, cols);
    check_launch("add_scaled_kernel");
}

void embedding_rows(const float* table, const std::int32_t* ids, float* out, std::int64_t n, std::int64_t cols,
                    cudaStream_t stream) {
    if (n == 0 || cols == 0) return;
    embedding_kernel<<<static_cast<unsigned>(n), kThreads, 0, stream>>>(table, ids, out, cols);
    check_launch("embedding_kernel");
}

}  // namespace lineage::model::cuda
