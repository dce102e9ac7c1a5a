// Conversion of stored elements to fp32, the compute type of every probe and of the CPU backend.
// Big tensors are converted in chunks so that memory stays bounded whatever the model size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "weights/core/dtype.h"
#include "weights/core/tensor_info.h"

namespace lineage::weights {

// Converts `dst.size()` elements of type `t` starting at element `first` of `src` (the tensor's
// whole byte range) to fp32. Throws InternalError if the range is out of bounds, UnsupportedError
// for dtypes without a float meaning (BOOL converts to 0/1, integers convert exactly or rounded).
void convert_to_f32(DType t, std::span<const std::byte> src, std::uint64_t first,
                    std::span<float> dst);

// The whole tensor as fp32 (allocates num_elements floats).
std::vector<float> read_f32(const TensorInfo& tensor);

// Rows [row_begin, row_end) of a tensor viewed as rows() x cols(), as fp32, into dst
// ((row_end - row_begin) * cols() floats).
void read_rows_f32(const TensorInfo& tensor, std::int64_t row_begin, std::int64_t row_end,
                   std::span<float> dst);

// Streams the tensor as fp32 in chunks of at most `chunk_elements`; `fn(first_element, values)`.
void stream_f32(const TensorInfo& tensor, std::size_t chunk_elements,
                const std::function<void(std::uint64_t, std::span<const float>)>& fn);

// Scalar conversions (exact, round-to-nearest-even where narrowing), shared with other readers.
float bf16_to_f32(std::uint16_t bits);
float f16_to_f32(std::uint16_t bits);
float f8_e4m3_to_f32(std::uint8_t bits);
float f8_e5m2_to_f32(std::uint8_t bits);
std::uint16_t f32_to_bf16(float value);
std::uint16_t f32_to_f16(float value);

}  // namespace lineage::weights
