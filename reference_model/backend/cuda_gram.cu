// cuda_gram_matrix (cuda_statistics.h): G = X X^T in fp64 with one cublasDgemm.
// Row-major X [n, p] is the column-major matrix Xc = X^T (p x n, ld p), so G = Xc^T Xc:
// cublasDgemm(opA = T, opB = N, M = n, N = n, K = p, A = Xc, lda = p, B = Xc, ldb = p, ldc = n).
// G is symmetric, so its column-major and row-major layouts are the same array.
#include <climits>
#include <string>

#include "reference_model/backend/cuda_buffer.cuh"
#include "reference_model/backend/cuda_statistics.h"

namespace lineage::model {

namespace {

__global__ void widen_to_double(const float* __restrict__ in, double* __restrict__ out, std::int64_t n) {
    for (std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; i < n;
         i += static_cast<std::int64_t>(gridDim.x) * blockDim.x)
        out[i] = static_cast<double>(in[i]);
}

}  // namespace

std::vector<double> cuda_gram_matrix(const float* x, std::int64_t n, std::int64_t p, int device) {
    using cuda::check;
    if (n < 0 || p < 0 || n > INT_MAX || p > INT_MAX)
        throw DeviceError("cuda_gram_matrix: [" + std::to_string(n) + ", " + std::to_string(p) +
                          "] exceeds cuBLAS's 32-bit dimensions");
    if (n == 0) return {};
    check(cudaSetDevice(device), "cuda_gram_matrix: cudaSetDevice");
    const std::size_t count = static_cast<std::size_t>(n) * static_cast<std::size_t>(p);
    cuda::DeviceArray<float> xf(count);
    cuda::DeviceArray<double> xd(count);
    cuda::DeviceArray<double> g(static_cast<std::size_t>(n) * static_cast<std::size_t>(n));
    if (p == 0) return std::vector<double>(static_cast<std::size_t>(n * n), 0.0);
    xf.upload(x, count, "cuda_gram_matrix: upload");
    widen_to_double<<<cuda::grid_for(static_cast<long long>(count), 256), 256>>>(
        xf.get(), xd.get(), static_cast<std::int64_t>(count));
    cuda::check_launch("widen_to_double");
    cublasHandle_t handle = nullptr;
    check(cublasCreate(&handle), "cuda_gram_matrix: cublasCreate");
    const double one = 1.0, zero = 0.0;
    const cublasStatus_t status =
        cublasDgemm(handle, CUBLAS_OP_T, CUBLAS_OP_N, static_cast<int>(n), static_cast<int>(n), static_cast<int>(p),
                    &one, xd.get(), static_cast<int>(p), xd.get(), static_cast<int>(p), &zero, g.get(),
                    static_cast<int>(n));
    cublasDestroy(handle);
    check(status, "cuda_gram_matrix: cublasDgemm");
    return g.download("cuda_gram_matrix: download");
}

}  // namespace lineage::model
