// Host-to-device copy bandwidth (issue 12): cudaMemcpy from pinned (cudaMallocHost) vs pageable
// (malloc) memory, and the backend's weight upload (Backend::to_device of a bf16 host tensor:
// memcpy into double-buffered pinned staging, async copies, widening on the device), reported
// in GB/s of source bytes. Exits 77 without a CUDA device.
//
// Usage: bench_gpu_copy [MIB=1024]
#include <cuda_runtime.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "reference_model/backend/backend.h"

namespace {

void ok(cudaError_t e, const char* what) {
    if (e != cudaSuccess) throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(e));
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
    if (lineage::model::cuda_device_count() <= 0) {
        std::printf("bench_gpu_copy: no CUDA device, skipped\n");
        return 77;
    }
    const std::size_t bytes = static_cast<std::size_t>(argc > 1 ? std::atoll(argv[1]) : 1024) << 20;
    try {
        auto backend = lineage::model::make_cuda_backend(0);
        std::printf("device: %s; %zu MiB per copy, best of 5\n", backend->description().c_str(), bytes >> 20);
        void* dev = nullptr;
        ok(cudaMalloc(&dev, bytes), "cudaMalloc");
        void* pinned = nullptr;
        ok(cudaMallocHost(&pinned, bytes), "cudaMallocHost");
        void* pageable = std::malloc(bytes);
        if (!pageable) throw std::bad_alloc();
        std::memset(pinned, 1, bytes);
        std::memset(pageable, 1, bytes);
        for (auto [name, src] : {std::pair<const char*, void*>{"pinned", pinned}, {"pageable", pageable}}) {
            double best = 1e30;
            for (int r = 0; r < 5; ++r) {
                auto t0 = std::chrono::steady_clock::now();
                ok(cudaMemcpy(dev, src, bytes, cudaMemcpyHostToDevice), "cudaMemcpy");
                best = std::min(best, seconds_since(t0));
            }
            std::printf("cudaMemcpy H2D from %-8s: %6.1f GB/s\n", name, bytes / best / 1e9);
        }
        // The weight path: a bf16 host tensor (pageable, as a mapped file's pages are).
        using lineage::model::Tensor;
        Tensor host = Tensor::view_host(std::span<const std::byte>(static_cast<const std::byte*>(pageable), bytes),
                                        {static_cast<std::int64_t>(bytes / 2)}, lineage::weights::DType::BF16);
        double best = 1e30;
        for (int r = 0; r < 5; ++r) {
            auto t0 = std::chrono::steady_clock::now();
            Tensor d = backend->to_device(host);
            backend->synchronize();
            best = std::min(best, seconds_since(t0));
        }
        std::printf("Backend::to_device (bf16 -> fp32, staged): %6.1f GB/s of bf16 source\n", bytes / best / 1e9);
        std::free(pageable);
        cudaFreeHost(pinned);
        cudaFree(dev);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_gpu_copy: %s\n", e.what());
        return 1;
    }
}
