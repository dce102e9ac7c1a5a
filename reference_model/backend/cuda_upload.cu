// StagedUploader (cuda_upload.cuh): pinned, double-buffered host-to-device copies of checkpoint
// tensors with on-device widening of bf16/f16.
#include "reference_model/backend/cuda_upload.cuh"

#include <algorithm>
#include <cstring>
#include <span>

#include "reference_model/backend/cuda_kernels.cuh"
#include "weights/core/convert.h"

namespace lineage::model::cuda {

StagedUploader::StagedUploader(const DeviceContext& ctx) : ctx_(ctx) {
    try {
        for (int b = 0; b < 2; ++b) {
            check(cudaMallocHost(&pinned_[b], static_cast<std::size_t>(kChunkElements) * sizeof(float)),
                  "cudaMallocHost (upload staging)");
            check(cudaMalloc(reinterpret_cast<void**>(&device_half_[b]),
                             static_cast<std::size_t>(kChunkElements) * sizeof(std::uint16_t)),
                  "cudaMalloc (upload staging)");
            check(cudaEventCreateWithFlags(&done_[b], cudaEventDisableTiming), "cudaEventCreate");
        }
    } catch (...) {
        release();
        throw;
    }
}

StagedUploader::~StagedUploader() { release(); }

void StagedUploader::release() noexcept {
    for (int b = 0; b < 2; ++b) {
        if (done_[b]) {
            cudaEventSynchronize(done_[b]);
            cudaEventDestroy(done_[b]);
            done_[b] = nullptr;
        }
        if (pinned_[b]) cudaFreeHost(pinned_[b]);
        if (device_half_[b]) cudaFree(device_half_[b]);
        pinned_[b] = nullptr;
        device_half_[b] = nullptr;
    }
}

void StagedUploader::wait_for(int buffer) {
    if (pending_[buffer]) check(cudaEventSynchronize(done_[buffer]), "upload: waiting for a staging buffer");
    pending_[buffer] = false;
}

void StagedUploader::upload(const Tensor& host, float* dst) {
    const DType dt = host.dtype();
    const std::int64_t n = host.numel();
    const std::byte* src = host.bytes();
    const std::span<const std::byte> all(src, host.byte_size());
    const bool half = dt == DType::BF16 || dt == DType::F16;
    cudaStream_t stream = ctx_.stream();
    for (std::int64_t first = 0, chunk = 0; first < n; first += kChunkElements, ++chunk) {
        const int b = static_cast<int>(chunk % 2);
        const std::int64_t count = std::min(kChunkElements, n - first);
        wait_for(b);
        if (half) {
            // 16-bit words: source bytes [2 * first, 2 * (first + count)).
            const std::size_t bytes = static_cast<std::size_t>(count) * 2;
            std::memcpy(pinned_[b], src + first * 2, bytes);
            check(cudaMemcpyAsync(device_half_[b], pinned_[b], bytes, cudaMemcpyHostToDevice, stream),
                  "upload: cudaMemcpyAsync");
            if (dt == DType::BF16)
                widen_bf16(device_half_[b], dst + first, count, stream);
            else
                widen_f16(device_half_[b], dst + first, count, stream);
        } else {
            float* stage = static_cast<float*>(pinned_[b]);
            if (dt == DType::F32)
                std::memcpy(stage, src + first * 4, static_cast<std::size_t>(count) * sizeof(float));
            else
                weights::convert_to_f32(dt, all, static_cast<std::uint64_t>(first),
                                        std::span<float>(stage, static_cast<std::size_t>(count)));
            check(cudaMemcpyAsync(dst + first, stage, static_cast<std::size_t>(count) * sizeof(float),
                                  cudaMemcpyHostToDevice, stream),
                  "upload: cudaMemcpyAsync");
        }
        check(cudaEventRecord(done_[b], stream), "upload: cudaEventRecord");
        pending_[b] = true;
    }
}

}  // namespace lineage::model::cuda
