// DeviceArray<T>: an owned device array (cudaMalloc / cudaFree) with checked host copies, for the
// self-contained GPU statistics (cuda_gram.cu, cuda_assignment.cu), which run synchronously on
// the default stream rather than on a backend's stream.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <vector>

#include "reference_model/backend/cuda_check.cuh"

namespace lineage::model::cuda {

template <typename T>
class DeviceArray {
public:
    explicit DeviceArray(std::size_t count) : count_(count) {
        check(cudaMalloc(reinterpret_cast<void**>(&data_), (count > 0 ? count : 1) * sizeof(T)), "cudaMalloc");
    }
    DeviceArray(const DeviceArray&) = delete;
    DeviceArray& operator=(const DeviceArray&) = delete;
    ~DeviceArray() { cudaFree(data_); }

    T* get() const { return data_; }
    std::size_t size() const { return count_; }

    void upload(const T* host, std::size_t count, const char* what) {
        check(cudaMemcpy(data_, host, count * sizeof(T), cudaMemcpyHostToDevice), what);
    }
    std::vector<T> download(const char* what) const {
        std::vector<T> out(count_);
        check(cudaMemcpy(out.data(), data_, count_ * sizeof(T), cudaMemcpyDeviceToHost), what);
        return out;
    }

private:
    T* data_ = nullptr;
    std::size_t count_ = 0;
};

}  // namespace lineage::model::cuda
