// GPU GEMM throughput at Llama-2-7B layer shapes (issue 12): Lineage's gemm_wt (cuda_gemm.h, the
// matmul_wt layout y = x . w^T, bf16 inputs, fp32 accumulation and output) against the cuBLAS
// peak measured in the same run (one large square bf16 GEMM, 8192^3, through the same
// cublasGemmEx), and the full-fp32 path the reference forward uses. Times are CUDA events over
// 20 runs after 3 warm-ups. Exits 77 without a CUDA device.
//
// Usage: bench_gpu_gemm [TOKENS=4096]
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include "reference_model/backend/backend.h"
#include "reference_model/backend/cuda_gemm.h"

namespace {

using lineage::model::cuda::GemmInput;

void ok(cudaError_t e, const char* what) {
    if (e != cudaSuccess) throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(e));
}

// Mean seconds per call of fn over 20 timed calls after 3 warm-ups.
double time_it(const std::function<void()>& fn) {
    for (int i = 0; i < 3; ++i) fn();
    cudaEvent_t a, b;
    ok(cudaEventCreate(&a), "event");
    ok(cudaEventCreate(&b), "event");
    ok(cudaEventRecord(a), "record");
    for (int i = 0; i < 20; ++i) fn();
    ok(cudaEventRecord(b), "record");
    ok(cudaEventSynchronize(b), "sync");
    float ms = 0;
    ok(cudaEventElapsedTime(&ms, a, b), "elapsed");
    cudaEventDestroy(a);
    cudaEventDestroy(b);
    return ms / 1e3 / 20;
}

double tflops(std::int64_t n, std::int64_t m, std::int64_t k, double secs) { return 2.0 * n * m * k / secs / 1e12; }

}  // namespace

int main(int argc, char** argv) {
    if (lineage::model::cuda_device_count() <= 0) {
        std::printf("bench_gpu_gemm: no CUDA device, skipped\n");
        return 77;
    }
    const std::int64_t tokens = argc > 1 ? std::atoll(argv[1]) : 4096;
    try {
        ok(cudaSetDevice(0), "cudaSetDevice");
        cudaDeviceProp prop{};
        ok(cudaGetDeviceProperties(&prop, 0), "properties");
        cublasHandle_t h = nullptr;
        if (cublasCreate(&h) != CUBLAS_STATUS_SUCCESS) throw std::runtime_error("cublasCreate failed");
        // Buffers big enough for every shape (contents are irrelevant to the timing: zeros).
        const std::int64_t big = 8192;
        const std::int64_t max_elems = std::max<std::int64_t>(big * big, tokens * 11008);
        void *x = nullptr, *w = nullptr;
        float* y = nullptr;
        ok(cudaMalloc(&x, static_cast<std::size_t>(max_elems) * 4), "malloc");
        ok(cudaMalloc(&w, static_cast<std::size_t>(std::max<std::int64_t>(big * big, 11008 * 4096)) * 4), "malloc");
        ok(cudaMalloc(reinterpret_cast<void**>(&y), static_cast<std::size_t>(max_elems) * 4), "malloc");
        ok(cudaMemset(x, 0, static_cast<std::size_t>(max_elems) * 4), "memset");
        ok(cudaMemset(w, 0, static_cast<std::size_t>(std::max<std::int64_t>(big * big, 11008 * 4096)) * 4), "memset");

        const double peak_s = time_it([&] { lineage::model::cuda::gemm_wt(h, GemmInput::bf16, x, w, y, big, big, big); });
        const double peak = tflops(big, big, big, peak_s);
        std::printf("device: %s, sm_%d%d\n", prop.name, prop.major, prop.minor);
        std::printf("cuBLAS bf16 peak (8192^3, same run): %.1f TFLOP/s\n", peak);
        struct Shape { const char* name; std::int64_t m, k; };
        const Shape shapes[] = {{"q/k/v/o_proj", 4096, 4096}, {"gate/up_proj", 11008, 4096}, {"down_proj", 4096, 11008}};
        std::printf("%-14s %6s %6s %6s %12s %8s %12s\n", "layer", "n", "m", "k", "bf16 TFLOP/s", "% peak", "fp32 TFLOP/s");
        for (const auto& s : shapes) {
            const double t16 = time_it([&] { lineage::model::cuda::gemm_wt(h, GemmInput::bf16, x, w, y, tokens, s.m, s.k); });
            const double t32 = time_it([&] { lineage::model::cuda::gemm_wt(h, GemmInput::f32, x, w, y, tokens, s.m, s.k); });
            const double f16 = tflops(tokens, s.m, s.k, t16);
            std::printf("%-14s %6lld %6lld %6lld %12.1f %7.0f%% %12.1f\n", s.name, static_cast<long long>(tokens),
                        static_cast<long long>(s.m), static_cast<long long>(s.k), f16, 100.0 * f16 / peak,
                        tflops(tokens, s.m, s.k, t32));
        }
        cudaFree(x);
        cudaFree(w);
        cudaFree(y);
        cublasDestroy(h);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_gpu_gemm: %s\n", e.what());
        return 1;
    }
}
