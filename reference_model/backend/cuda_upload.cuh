// Host-to-device upload of checkpoint tensors through pinned staging buffers, double-buffered so
// that reading the next chunk from the (memory-mapped) source overlaps the DMA of the current one:
//   chunk c uses buffer c % 2; before refilling a buffer the host waits on the event recorded
//   after that buffer's last copy (and conversion kernel), then memcpy()s the chunk from the
//   source into it (this is where a mapped file's pages are read) and queues an async copy.
// bf16 / f16 tensors travel as 16-bit words and are widened to fp32 by a kernel on the device
// (half the bus traffic); fp32 travels as is; every other dtype (fp8, fp4/fp6, ggml blocks, ...)
// is converted to fp32 on the host by weights::convert_to_f32 into the staging buffer first.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

#include "reference_model/backend/cuda_context.cuh"
#include "reference_model/tensor/tensor.h"

namespace lineage::model::cuda {

class StagedUploader {
public:
    // Elements per chunk: a multiple of 2^20, so chunk starts stay on whole bytes and whole quant
    // blocks for every dtype (the CPU backend converts in 2^20-element chunks for the same reason).
    static constexpr std::int64_t kChunkElements = std::int64_t{1} << 21;

    explicit StagedUploader(const DeviceContext& ctx);
    StagedUploader(const StagedUploader&) = delete;
    StagedUploader& operator=(const StagedUploader&) = delete;
    ~StagedUploader();

    // Writes fp32(host) into dst (device, host.numel() floats). Returns once every chunk is queued;
    // the source may be released then (it has been copied into staging), and the copy completes
    // in stream order.
    void upload(const Tensor& host, float* dst);

private:
    void wait_for(int buffer);
    void release() noexcept;  // frees what the constructor got (also on its failure)

    const DeviceContext& ctx_;
    void* pinned_[2] = {nullptr, nullptr};          // host staging, kChunkElements * 4 bytes each
    std::uint16_t* device_half_[2] = {nullptr, nullptr};  // device staging for 16-bit sources
    cudaEvent_t done_[2] = {nullptr, nullptr};      // recorded after the last use of buffer i
    bool pending_[2] = {false, false};
};

}  // namespace lineage::model::cuda
