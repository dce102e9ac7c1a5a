// gemm_wt (cuda_gemm.h): one cublasGemmEx call with fp32 accumulation. The fp32 path uses
// CUBLAS_COMPUTE_32F, which cuBLAS documents as full fp32 (TF32 only with the _FAST_TF32 compute
// type), so it matches the CPU reference's sgemm up to summation order; bf16/fp16 inputs run on
// tensor cores with fp32 accumulation and fp32 output (a documented cublasGemmEx combination).
#include "reference_model/backend/cuda_check.cuh"
#include "reference_model/backend/cuda_gemm.h"

#include <climits>
#include <string>

namespace lineage::model::cuda {

namespace {

cudaDataType input_type(GemmInput input) {
    switch (input) {
        case GemmInput::f32: return CUDA_R_32F;
        case GemmInput::bf16: return CUDA_R_16BF;
        case GemmInput::f16: return CUDA_R_16F;
    }
    return CUDA_R_32F;
}

}  // namespace

void gemm_wt(cublasHandle_t handle, GemmInput input, const void* x, const void* w, float* y, std::int64_t n,
             std::int64_t m, std::int64_t k, float beta) {
    if (n <= 0 || m <= 0) return;
    if (n > INT_MAX || m > INT_MAX || k > INT_MAX || n * m > (std::int64_t{1} << 62))
        throw DeviceError("cuda backend: matmul_wt: [" + std::to_string(n) + ", " + std::to_string(k) + "] x [" +
                          std::to_string(m) + ", " + std::to_string(k) + "]^T exceeds cuBLAS's 32-bit dimensions");
    const float alpha = 1.0f;
    // k = 0 is an empty sum (y = beta * y, as BLAS defines it); the leading dimensions must still
    // be at least 1.
    const int ld = static_cast<int>(k > 0 ? k : 1);
    const cudaDataType t = input_type(input);
    check(cublasGemmEx(handle, CUBLAS_OP_T, CUBLAS_OP_N, static_cast<int>(m), static_cast<int>(n),
                       static_cast<int>(k), &alpha, w, t, ld, x, t, ld, &beta, y,
                       CUDA_R_32F, static_cast<int>(m), CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
          "cublasGemmEx (matmul_wt)");
}

}  // namespace lineage::model::cuda
