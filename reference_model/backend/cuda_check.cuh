// Error checking for the CUDA backend: every CUDA runtime and cuBLAS call goes through one of these,
// and a failure throws DeviceError naming the operation, the call and the library's own error
// text, so a failing GPU is reported (exit 5) instead of aborting or being silently ignored.
// Kernel launches are checked with check_launch(), which reads cudaGetLastError().
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <string>

#include "weights/core/error.h"

namespace lineage::model::cuda {

// Throws DeviceError("cuda backend: <what>: <error name>: <error text>") unless `status` is success.
inline void check(cudaError_t status, const char* what) {
    if (status == cudaSuccess) return;
    throw DeviceError(std::string("cuda backend: ") + what + ": " + cudaGetErrorName(status) + ": " +
                      cudaGetErrorString(status) + " (is the GPU out of memory, or was it reset?)");
}

inline void check(cublasStatus_t status, const char* what) {
    if (status == CUBLAS_STATUS_SUCCESS) return;
    throw DeviceError(std::string("cuda backend: ") + what + ": cuBLAS " + cublasGetStatusName(status) + ": " +
                      cublasGetStatusString(status));
}

// After a <<<...>>> launch: configuration errors (bad grid, too much shared memory) surface here;
// errors inside the kernel surface at the next synchronising call, which is checked too.
inline void check_launch(const char* kernel) { check(cudaGetLastError(), kernel); }

// Blocks of this many threads for the row kernels (one block per row); a power of two.
constexpr int kRowThreads = 256;

// Grid size for an elementwise kernel over n items with `threads` per block (grid-stride loops
// inside the kernels cover what a capped grid leaves).
inline unsigned grid_for(long long n, int threads) {
    long long blocks = (n + threads - 1) / threads;
    if (blocks < 1) blocks = 1;
    if (blocks > 65535LL * 16) blocks = 65535LL * 16;
    return static_cast<unsigned>(blocks);
}

}  // namespace lineage::model::cuda
