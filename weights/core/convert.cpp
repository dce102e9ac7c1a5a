// Stored elements -> fp32. The wide loops (bf16, f16, f32, integers) are written branch-free over
// plain arrays so that the compiler vectorises them; the 8-bit floats go through 256-entry tables
// built once from the scalar decoders below. Scalar decoders follow the formats' definitions:
//   bf16 = top half of an IEEE binary32;  f16 = IEEE binary16 (5-bit exponent, bias 15);
//   F8_E4M3 = OCP "E4M3FN" (bias 7, no infinities, S.1111.111 is NaN, max 448);
//   F8_E5M2 = OCP E5M2 (= the top byte of a binary16, with infinities);
//   F8_E4M3FNUZ / F8_E5M2FNUZ = biases 8 / 16, no infinities, no -0, 0x80 is the only NaN;
//   F8_E8M0 = 2^(e-127), 0xFF is NaN;  F4 = E2M1 (values 0, .5, 1, 1.5, 2, 3, 4, 6 and negatives),
//   two per byte, the element with the lower index in the low nibble.
// F6_* and C64 have no fp32 meaning here and are refused (UnsupportedError).
// ggml block types (Q4_0 ... Q6_K) are decoded a block at a time (quant_blocks.h); a range that
// starts or ends inside a block decodes that block into a scratch buffer and copies the part asked.
#include "weights/core/convert.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "weights/core/error.h"
#include "weights/core/mapped_file.h"
#include "weights/core/quant_blocks.h"

namespace lineage::weights {
namespace {

constexpr std::size_t kReleaseAbove = 16u << 20;  // stream_f32 unmaps consumed pages above 16 MiB

inline float bits_to_float(std::uint32_t b) { return std::bit_cast<float>(b); }

template <typename T>
inline T load(const std::byte* p) {
    T v;
    std::memcpy(&v, p, sizeof(T));
    return v;
}

float e4m3fnuz_to_f32(std::uint8_t b) {
    if (b == 0x80) return std::numeric_limits<float>::quiet_NaN();
    const float sign = (b & 0x80) ? -1.0f : 1.0f;
    const int exp = (b >> 3) & 0xF, man = b & 0x7;
    if (exp == 0) return sign * std::ldexp(static_cast<float>(man), -3 - 7);  // subnormal, bias 8
    return sign * std::ldexp(1.0f + man / 8.0f, exp - 8);
}

float e5m2fnuz_to_f32(std::uint8_t b) {
    if (b == 0x80) return std::numeric_limits<float>::quiet_NaN();
    const float sign = (b & 0x80) ? -1.0f : 1.0f;
    const int exp = (b >> 2) & 0x1F, man = b & 0x3;
    if (exp == 0) return sign * std::ldexp(static_cast<float>(man), -2 - 15);  // subnormal, bias 16
    return sign * std::ldexp(1.0f + man / 4.0f, exp - 16);
}

float e8m0_to_f32(std::uint8_t b) {
    if (b == 0xFF) return std::numeric_limits<float>::quiet_NaN();
    return std::ldexp(1.0f, static_cast<int>(b) - 127);
}

float e2m1_to_f32(std::uint8_t nibble) {
    static constexpr float kValues[8] = {0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f};
    const float v = kValues[nibble & 0x7];
    return (nibble & 0x8) ? -v : v;
}

using Table = std::array<float, 256>;
template <float (*F)(std::uint8_t)>
const Table& table() {
    static const Table t = [] {
        Table out{};
        for (int i = 0; i < 256; ++i) out[i] = F(static_cast<std::uint8_t>(i));
        return out;
    }();
    return t;
}

void via_table(const Table& t, const std::byte* src, float* dst, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) dst[i] = t[static_cast<std::uint8_t>(src[i])];
}

void bf16_block(const std::byte* src, float* dst, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
        dst[i] = bits_to_float(static_cast<std::uint32_t>(load<std::uint16_t>(src + 2 * i)) << 16);
}

// Branch-free binary16 -> binary32: shift exponent+mantissa into place and rescale by 2^112, which
// handles normals and subnormals exactly; exponent 31 (inf/NaN) is patched to 255.
inline float f16_bits_to_f32(std::uint16_t h) {
    const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
    const std::uint32_t em = h & 0x7FFFu;
    const float scaled = bits_to_float(em << 13) * 0x1p112f;
    std::uint32_t bits = std::bit_cast<std::uint32_t>(scaled);
    bits = em >= 0x7C00u ? ((em << 13) | 0x7F800000u) : bits;
    return bits_to_float(bits | sign);
}

void f16_block(const std::byte* src, float* dst, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) dst[i] = f16_bits_to_f32(load<std::uint16_t>(src + 2 * i));
}

template <typename T>
void cast_block(const std::byte* src, float* dst, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) dst[i] = static_cast<float>(load<T>(src + sizeof(T) * i));
}

void bool_block(const std::byte* src, float* dst, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) dst[i] = src[i] != std::byte{0} ? 1.0f : 0.0f;
}

void f4_elements(const std::byte* base, std::uint64_t first, float* dst, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint64_t e = first + i;
        const auto byte = static_cast<std::uint8_t>(base[e / 2]);
        dst[i] = e2m1_to_f32(e % 2 == 0 ? (byte & 0x0F) : (byte >> 4));
    }
}

// Elements [first, first + n) of a ggml block-quantised buffer: whole blocks straight into dst.
void block_elements(DType t, const std::byte* base, std::uint64_t first, float* dst, std::size_t n) {
    const std::size_t per_block = dtype_block_elements(t), block_bytes = dtype_block_bytes(t);
    float scratch[256];
    while (n > 0) {
        const std::uint64_t block = first / per_block;
        const std::size_t within = static_cast<std::size_t>(first % per_block);
        if (within == 0 && n >= per_block) {
            const std::size_t blocks = n / per_block;
            dequantize_blocks(t, base + block * block_bytes, blocks, dst);
            dst += blocks * per_block;
            first += blocks * per_block;
            n -= blocks * per_block;
            continue;
        }
        dequantize_blocks(t, base + block * block_bytes, 1, scratch);
        const std::size_t take = std::min(per_block - within, n);
        std::memcpy(dst, scratch + within, take * sizeof(float));
        dst += take;
        first += take;
        n -= take;
    }
}

}  // namespace

float bf16_to_f32(std::uint16_t bits) { return bits_to_float(static_cast<std::uint32_t>(bits) << 16); }

float f16_to_f32(std::uint16_t bits) { return f16_bits_to_f32(bits); }

float f8_e4m3_to_f32(std::uint8_t b) {
    if ((b & 0x7F) == 0x7F) return std::numeric_limits<float>::quiet_NaN();
    const float sign = (b & 0x80) ? -1.0f : 1.0f;
    const int exp = (b >> 3) & 0xF, man = b & 0x7;
    if (exp == 0) return sign * std::ldexp(static_cast<float>(man), -3 - 6);  // subnormal: m/8 * 2^-6
    return sign * std::ldexp(1.0f + man / 8.0f, exp - 7);
}

float f8_e5m2_to_f32(std::uint8_t bits) { return f16_bits_to_f32(static_cast<std::uint16_t>(bits << 8)); }

std::uint16_t f32_to_bf16(float value) {
    std::uint32_t b = std::bit_cast<std::uint32_t>(value);
    if (std::isnan(value)) return static_cast<std::uint16_t>((b >> 16) | 0x0040u);  // keep it a NaN
    b += 0x7FFFu + ((b >> 16) & 1u);  // round to nearest, ties to even
    return static_cast<std::uint16_t>(b >> 16);
}

std::uint16_t f32_to_f16(float value) {
    const std::uint32_t b = std::bit_cast<std::uint32_t>(value);
    const std::uint16_t sign = static_cast<std::uint16_t>((b >> 16) & 0x8000u);
    const std::uint32_t abs = b & 0x7FFFFFFFu;
    if (abs >= 0x7F800000u)  // inf or NaN
        return static_cast<std::uint16_t>(sign | 0x7C00u | (abs > 0x7F800000u ? 0x0200u : 0u));
    if (abs >= 0x477FF000u) return static_cast<std::uint16_t>(sign | 0x7C00u);  // rounds past 65504
    if (abs < 0x38800000u) {  // below the smallest normal (2^-14): subnormal or zero
        // value / 2^-24 rounded to nearest even gives the subnormal mantissa.
        const float m = std::bit_cast<float>(abs) * 0x1p24f;
        const float r = std::nearbyint(m);  // default rounding mode: nearest even
        return static_cast<std::uint16_t>(sign | static_cast<std::uint16_t>(r));
    }
    // Normal: rebias exponent (127 -> 15) and round the 23-bit mantissa to 10 bits, ties to even.
    std::uint32_t rebased = abs - (112u << 23);
    rebased += 0x0FFFu + ((rebased >> 13) & 1u);
    return static_cast<std::uint16_t>(sign | (rebased >> 13));
}

void convert_to_f32(DType t, std::span<const std::byte> src, std::uint64_t first,
                    std::span<float> dst) {
    const std::uint64_t n = dst.size();
    const auto end_bytes = bytes_for_elements(t, first + n);
    if (first + n < first || !end_bytes || *end_bytes > src.size())
        throw InternalError("convert_to_f32: elements [" + std::to_string(first) + ", " +
                            std::to_string(first + n) + ") of " + std::string(dtype_name(t)) +
                            " exceed a " + std::to_string(src.size()) + "-byte buffer");
    if (n == 0) return;
    float* out = dst.data();
    if (t == DType::F4) return f4_elements(src.data(), first, out, n);
    if (is_block_type(t)) return block_elements(t, src.data(), first, out, n);
    const std::byte* p = src.data() + first * dtype_size(t);
    switch (t) {
        case DType::BF16: return bf16_block(p, out, n);
        case DType::F16: return f16_block(p, out, n);
        case DType::F32: std::memcpy(out, p, n * sizeof(float)); return;
        case DType::F64: return cast_block<double>(p, out, n);
        case DType::F8_E4M3: return via_table(table<f8_e4m3_to_f32>(), p, out, n);
        case DType::F8_E5M2: return via_table(table<f8_e5m2_to_f32>(), p, out, n);
        case DType::F8_E4M3FNUZ: return via_table(table<e4m3fnuz_to_f32>(), p, out, n);
        case DType::F8_E5M2FNUZ: return via_table(table<e5m2fnuz_to_f32>(), p, out, n);
        case DType::F8_E8M0: return via_table(table<e8m0_to_f32>(), p, out, n);
        case DType::I64: return cast_block<std::int64_t>(p, out, n);
        case DType::I32: return cast_block<std::int32_t>(p, out, n);
        case DType::I16: return cast_block<std::int16_t>(p, out, n);
        case DType::I8: return cast_block<std::int8_t>(p, out, n);
        case DType::U64: return cast_block<std::uint64_t>(p, out, n);
        case DType::U32: return cast_block<std::uint32_t>(p, out, n);
        case DType::U16: return cast_block<std::uint16_t>(p, out, n);
        case DType::U8: return cast_block<std::uint8_t>(p, out, n);
        case DType::BOOL: return bool_block(p, out, n);
        case DType::C64:
        case DType::F6_E2M3:
        case DType::F6_E3M2:
        case DType::F4:
        case DType::Q4_0: case DType::Q4_1: case DType::Q5_0: case DType::Q5_1: case DType::Q8_0:
        case DType::Q2_K: case DType::Q3_K: case DType::Q4_K: case DType::Q5_K: case DType::Q6_K: break;
    }
    throw UnsupportedError("convert_to_f32: dtype " + std::string(dtype_name(t)) +
                           " has no fp32 conversion in this version");
}

std::vector<float> read_f32(const TensorInfo& tensor) {
    std::vector<float> out(tensor.num_elements);
    try {
        convert_to_f32(tensor.dtype, tensor.bytes, 0, out);
    } catch (const UnsupportedError& e) {
        throw UnsupportedError(tensor.file, "tensor '" + tensor.name + "': " + e.what());
    }
    return out;
}

void read_rows_f32(const TensorInfo& tensor, std::int64_t row_begin, std::int64_t row_end,
                   std::span<float> dst) {
    const std::int64_t cols = tensor.cols();
    if (row_begin < 0 || row_end < row_begin || row_end > tensor.rows() ||
        dst.size() != static_cast<std::size_t>((row_end - row_begin) * cols))
        throw InternalError("read_rows_f32: tensor '" + tensor.name + "': rows [" +
                            std::to_string(row_begin) + ", " + std::to_string(row_end) +
                            ") out of range or destination of wrong size");
    try {
        convert_to_f32(tensor.dtype, tensor.bytes, static_cast<std::uint64_t>(row_begin * cols), dst);
    } catch (const UnsupportedError& e) {
        throw UnsupportedError(tensor.file, "tensor '" + tensor.name + "': " + e.what());
    }
}

void stream_f32(const TensorInfo& tensor, std::size_t chunk_elements,
                const std::function<void(std::uint64_t, std::span<const float>)>& fn) {
    if (chunk_elements == 0) chunk_elements = 1;
    const std::uint64_t total = tensor.num_elements;
    std::vector<float> buffer(static_cast<std::size_t>(std::min<std::uint64_t>(chunk_elements, total)));
    for (std::uint64_t first = 0; first < total; first += chunk_elements) {
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk_elements, total - first));
        std::span<float> chunk(buffer.data(), n);
        try {
            convert_to_f32(tensor.dtype, tensor.bytes, first, chunk);
        } catch (const UnsupportedError& e) {
            throw UnsupportedError(tensor.file, "tensor '" + tensor.name + "': " + e.what());
        }
        fn(first, chunk);
        // Big tensors: unmap what has been read so resident memory stays bounded.
        if (tensor.bytes.size() > kReleaseAbove) {
            const auto begin = *bytes_for_elements(tensor.dtype, first);
            const auto end = *bytes_for_elements(tensor.dtype, first + n);
            release_pages(tensor.bytes.subspan(begin, end - begin));
        }
    }
}

}  // namespace lineage::weights
