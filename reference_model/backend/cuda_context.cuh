// The per-backend CUDA state shared by the backend and the tensors it allocates: the device, one
// stream every operation is queued on (so operations run in order without host waits), and the
// cuBLAS handle bound to that stream. Tensors hold a shared_ptr to it in their release function,
// so a tensor that outlives its backend still frees its memory on a live stream.
// DeviceScratch is a stream-ordered temporary device buffer (cudaMallocAsync / cudaFreeAsync):
// freed in stream order, so it may go out of scope while kernels that use it are still queued.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstddef>
#include <memory>

#include "reference_model/backend/cuda_check.cuh"

namespace lineage::model::cuda {

class DeviceContext {
public:
    explicit DeviceContext(int device) : device_(device) {
        check(cudaSetDevice(device), "cudaSetDevice");
        check(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreate");
        try {
            check(cublasCreate(&cublas_), "cublasCreate");
            check(cublasSetStream(cublas_, stream_), "cublasSetStream");
            // Keep freed blocks in the stream-ordered pool instead of returning them to the driver
            // at every synchronisation: the forward allocates and frees per layer.
            cudaMemPool_t pool = nullptr;
            check(cudaDeviceGetDefaultMemPool(&pool, device), "cudaDeviceGetDefaultMemPool");
            unsigned long long keep = ~0ULL;
            check(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keep),
                  "cudaMemPoolSetAttribute(release threshold)");
        } catch (...) {
            if (cublas_) cublasDestroy(cublas_);
            cudaStreamDestroy(stream_);
            throw;
        }
    }
    DeviceContext(const DeviceContext&) = delete;
    DeviceContext& operator=(const DeviceContext&) = delete;
    ~DeviceContext() {
        // Never throws: errors at teardown have nowhere to go.
        cudaSetDevice(device_);
        cudaStreamSynchronize(stream_);
        cublasDestroy(cublas_);
        cudaStreamDestroy(stream_);
    }

    int device() const { return device_; }
    cudaStream_t stream() const { return stream_; }
    cublasHandle_t cublas() const { return cublas_; }
    // Makes this context's device current for the calling thread (cheap when it already is).
    void bind() const { check(cudaSetDevice(device_), "cudaSetDevice"); }

private:
    int device_ = 0;
    cudaStream_t stream_ = nullptr;
    cublasHandle_t cublas_ = nullptr;
};

class DeviceScratch {
public:
    DeviceScratch(const DeviceContext& ctx, std::size_t bytes) : stream_(ctx.stream()) {
        check(cudaMallocAsync(&data_, bytes > 0 ? bytes : 1, stream_), "cudaMallocAsync (scratch)");
    }
    DeviceScratch(const DeviceScratch&) = delete;
    DeviceScratch& operator=(const DeviceScratch&) = delete;
    ~DeviceScratch() { cudaFreeAsync(data_, stream_); }

    template <typename T>
    T* as() const { return static_cast<T*>(data_); }

private:
    void* data_ = nullptr;
    cudaStream_t stream_ = nullptr;
};

}  // namespace lineage::model::cuda
