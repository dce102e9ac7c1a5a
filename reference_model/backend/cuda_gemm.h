// cuBLAS GEMMs of the CUDA backend in the layout of Backend::matmul_wt (nn.Linear): row-major
// y[n, m] = x[n, k] . w[m, k]^T (+ beta * y), on device pointers. Inputs are fp32 (the reference
// precision, CUBLAS_COMPUTE_32F: no TF32) or bf16 / fp16 (tensor cores), and accumulation and the
// output are always fp32. Only compiled when the CUDA backend is built: include it only from .cu
// files, the CUDA test binary and the GPU benchmarks.
//
// Row-major to cuBLAS's column-major: a row-major [r, c] matrix is the column-major [c, r] matrix
// (its transpose) with leading dimension c. So y^T (m x n, ld m) = w (read as k x m, ld k)^T
// . x^T (k x n, ld k): cublasGemmEx(opA = T, opB = N, M = m, N = n, K = k, A = w, lda = k,
// B = x, ldb = k, C = y, ldc = m).
#pragma once

#include <cublas_v2.h>

#include <cstdint>

namespace lineage::model::cuda {

enum class GemmInput : std::uint8_t { f32, bf16, f16 };

// y = x . w^T + beta * y. x and w hold elements of `input` type (fp32, or bf16/fp16 bit patterns),
// y fp32. Dimensions must fit cuBLAS's int (checked: DeviceError otherwise). Queued on the
// handle's stream.
void gemm_wt(cublasHandle_t handle, GemmInput input, const void* x, const void* w, float* y, std::int64_t n,
             std::int64_t m, std::int64_t k, float beta = 0.0f);

}  // namespace lineage::model::cuda
