// ggml block formats, one decoder per type. Byte layouts (little-endian, f16 = IEEE half):
//   Q4_0  (32 el, 18 B): d f16 | qs[16]          x[j] = d*(lo(qs[j])-8), x[j+16] = d*(hi(qs[j])-8)
//   Q4_1  (32 el, 20 B): d f16 | m f16 | qs[16]  x = d*q + m (q as in Q4_0, unsigned)
//   Q5_0  (32 el, 22 B): d f16 | qh u32 | qs[16] 5th bit of element j is bit j of qh; x = d*(q-16)
//   Q5_1  (32 el, 24 B): d f16 | m f16 | qh u32 | qs[16]                 x = d*q + m
//   Q8_0  (32 el, 34 B): d f16 | qs int8[32]     x = d*q
//   Q2_K (256 el, 84 B): scales[16] | qs[64] | d f16 | dmin f16; 16 sub-blocks of 16, 4-bit scale
//                        and 4-bit min each: x = d*sc*q - dmin*m, q 2 bits
//   Q3_K (256 el,110 B): hmask[32] | qs[64] | scales[12] | d f16; 16 6-bit signed scales (bias 32),
//                        q = 2 low bits - (high bit clear ? 4 : 0)
//   Q4_K (256 el,144 B): d | dmin | scales[12] | qs[128]; 8 sub-blocks of 32, 6-bit scale and min
//   Q5_K (256 el,176 B): d | dmin | scales[12] | qh[32] | qs[128]; as Q4_K plus a 5th bit
//   Q6_K (256 el,210 B): ql[128] | qh[64] | scales int8[16] | d f16; q 6 bits - 32, 16 sub-blocks
// Within the K types, elements are laid out in halves of 128 whose low/high nibbles and bit planes
// interleave as in ggml's dequantize_row_q*_K; the loops below mirror that order.
#include "weights/core/quant_blocks.h"

#include <cstdint>
#include <cstring>
#include <string>

#include "weights/core/convert.h"
#include "weights/core/error.h"

namespace lineage::weights {
namespace {

using u8 = std::uint8_t;

inline float half(const u8* p) {
    std::uint16_t h;
    std::memcpy(&h, p, 2);
    return f16_to_f32(h);
}

void q4_0(const u8* b, float* y) {
    const float d = half(b);
    const u8* qs = b + 2;
    for (int j = 0; j < 16; ++j) {
        y[j] = d * static_cast<float>((qs[j] & 0x0F) - 8);
        y[j + 16] = d * static_cast<float>((qs[j] >> 4) - 8);
    }
}

void q4_1(const u8* b, float* y) {
    const float d = half(b), m = half(b + 2);
    const u8* qs = b + 4;
    for (int j = 0; j < 16; ++j) {
        y[j] = d * static_cast<float>(qs[j] & 0x0F) + m;
        y[j + 16] = d * static_cast<float>(qs[j] >> 4) + m;
    }
}

void q5_0(const u8* b, float* y) {
    const float d = half(b);
    std::uint32_t qh;
    std::memcpy(&qh, b + 2, 4);
    const u8* qs = b + 6;
    for (int j = 0; j < 16; ++j) {
        const int lo = (qs[j] & 0x0F) | static_cast<int>(((qh >> j) & 1u) << 4);
        const int hi = (qs[j] >> 4) | static_cast<int>(((qh >> (j + 16)) & 1u) << 4);
        y[j] = d * static_cast<float>(lo - 16);
        y[j + 16] = d * static_cast<float>(hi - 16);
    }
}

void q5_1(const u8* b, float* y) {
    const float d = half(b), m = half(b + 2);
    std::uint32_t qh;
    std::memcpy(&qh, b + 4, 4);
    const u8* qs = b + 8;
    for (int j = 0; j < 16; ++j) {
        const int lo = (qs[j] & 0x0F) | static_cast<int>(((qh >> j) & 1u) << 4);
        const int hi = (qs[j] >> 4) | static_cast<int>(((qh >> (j + 16)) & 1u) << 4);
        y[j] = d * static_cast<float>(lo) + m;
        y[j + 16] = d * static_cast<float>(hi) + m;
    }
}

void q8_0(const u8* b, float* y) {
    const float d = half(b);
    for (int j = 0; j < 32; ++j) y[j] = d * static_cast<float>(static_cast<std::int8_t>(b[2 + j]));
}

void q2_k(const u8* b, float* y) {
    const u8* scales = b;
    const u8* q = b + 16;
    const float d = half(b + 80), dmin = half(b + 82);
    int is = 0;
    for (int n = 0; n < 256; n += 128) {
        for (int shift = 0; shift < 8; shift += 2) {
            for (int half_ = 0; half_ < 2; ++half_) {
                const u8 sc = scales[is++];
                const float dl = d * static_cast<float>(sc & 0x0F), ml = dmin * static_cast<float>(sc >> 4);
                const u8* qq = q + 16 * half_;
                for (int l = 0; l < 16; ++l) *y++ = dl * static_cast<float>((qq[l] >> shift) & 3) - ml;
            }
        }
        q += 32;
    }
}

// Q3_K's 16 scales: 6 bits each, low 4 bits in bytes 0..7 (two per byte), high 2 bits in 8..11.
void q3_k_scales(const u8* s, int* out) {
    for (int i = 0; i < 16; ++i) {
        const int low = i < 8 ? (s[i] & 0x0F) : (s[i - 8] >> 4);
        const int high = (s[8 + (i % 4)] >> (2 * (i / 4))) & 3;
        out[i] = (low | (high << 4)) - 32;
    }
}

void q3_k(const u8* b, float* y) {
    const u8* hm = b;
    const u8* q = b + 32;
    int scales[16];
    q3_k_scales(b + 96, scales);
    const float d = half(b + 108);
    int is = 0;
    u8 m = 1;
    for (int n = 0; n < 256; n += 128) {
        for (int shift = 0; shift < 8; shift += 2) {
            for (int half_ = 0; half_ < 2; ++half_) {
                const float dl = d * static_cast<float>(scales[is++]);
                const int off = 16 * half_;
                for (int l = 0; l < 16; ++l) {
                    const int v = ((q[l + off] >> shift) & 3) - ((hm[l + off] & m) ? 0 : 4);
                    *y++ = dl * static_cast<float>(v);
                }
            }
            m = static_cast<u8>(m << 1);
        }
        q += 32;
    }
}

// Q4_K/Q5_K: 8 (scale, min) pairs of 6 bits packed into 12 bytes (ggml's get_scale_min_k4).
inline void scale_min_k4(int j, const u8* q, int& sc, int& mn) {
    if (j < 4) {
        sc = q[j] & 63;
        mn = q[j + 4] & 63;
    } else {
        sc = (q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4);
        mn = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}

void q4_k(const u8* b, float* y) {
    const float d = half(b), dmin = half(b + 2);
    const u8* scales = b + 4;
    const u8* q = b + 16;
    for (int j = 0, is = 0; j < 256; j += 64, is += 2, q += 32) {
        int sc, mn;
        scale_min_k4(is, scales, sc, mn);
        const float d1 = d * static_cast<float>(sc), m1 = dmin * static_cast<float>(mn);
        scale_min_k4(is + 1, scales, sc, mn);
        const float d2 = d * static_cast<float>(sc), m2 = dmin * static_cast<float>(mn);
        for (int l = 0; l < 32; ++l) *y++ = d1 * static_cast<float>(q[l] & 0x0F) - m1;
        for (int l = 0; l < 32; ++l) *y++ = d2 * static_cast<float>(q[l] >> 4) - m2;
    }
}

void q5_k(const u8* b, float* y) {
    const float d = half(b), dmin = half(b + 2);
    const u8* scales = b + 4;
    const u8* qh = b + 16;
    const u8* ql = b + 48;
    u8 u1 = 1, u2 = 2;
    for (int j = 0, is = 0; j < 256; j += 64, is += 2, ql += 32) {
        int sc, mn;
        scale_min_k4(is, scales, sc, mn);
        const float d1 = d * static_cast<float>(sc), m1 = dmin * static_cast<float>(mn);
        scale_min_k4(is + 1, scales, sc, mn);
        const float d2 = d * static_cast<float>(sc), m2 = dmin * static_cast<float>(mn);
        for (int l = 0; l < 32; ++l)
            *y++ = d1 * static_cast<float>((ql[l] & 0x0F) + ((qh[l] & u1) ? 16 : 0)) - m1;
        for (int l = 0; l < 32; ++l)
            *y++ = d2 * static_cast<float>((ql[l] >> 4) + ((qh[l] & u2) ? 16 : 0)) - m2;
        u1 = static_cast<u8>(u1 << 2);
        u2 = static_cast<u8>(u2 << 2);
    }
}

void q6_k(const u8* b, float* y) {
    const u8* ql = b;
    const u8* qh = b + 128;
    const auto* sc = reinterpret_cast<const std::int8_t*>(b + 192);
    const float d = half(b + 208);
    for (int n = 0; n < 256; n += 128) {
        for (int l = 0; l < 32; ++l) {
            const int is = l / 16;
            const int q1 = ((ql[l] & 0x0F) | (((qh[l] >> 0) & 3) << 4)) - 32;
            const int q2 = ((ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 3) << 4)) - 32;
            const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
            const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
            y[l] = d * static_cast<float>(sc[is]) * static_cast<float>(q1);
            y[l + 32] = d * static_cast<float>(sc[is + 2]) * static_cast<float>(q2);
            y[l + 64] = d * static_cast<float>(sc[is + 4]) * static_cast<float>(q3);
            y[l + 96] = d * static_cast<float>(sc[is + 6]) * static_cast<float>(q4);
        }
        y += 128;
        ql += 64;
        qh += 32;
        sc += 8;
    }
}

using BlockDecoder = void (*)(const u8*, float*);

struct BlockRow {
    DType type;
    BlockDecoder decode;
};

constexpr BlockRow kDecoders[] = {
    {DType::Q4_0, q4_0}, {DType::Q4_1, q4_1}, {DType::Q5_0, q5_0}, {DType::Q5_1, q5_1},
    {DType::Q8_0, q8_0}, {DType::Q2_K, q2_k}, {DType::Q3_K, q3_k}, {DType::Q4_K, q4_k},
    {DType::Q5_K, q5_k}, {DType::Q6_K, q6_k},
};

}  // namespace

void dequantize_blocks(DType t, const std::byte* src, std::size_t n_blocks, float* dst) {
    for (const auto& r : kDecoders) {
        if (r.type != t) continue;
        const std::size_t bytes = dtype_block_bytes(t), elems = dtype_block_elements(t);
        const auto* p = reinterpret_cast<const u8*>(src);
        for (std::size_t i = 0; i < n_blocks; ++i) r.decode(p + i * bytes, dst + i * elems);
        return;
    }
    throw InternalError("dequantize_blocks: " + std::string(dtype_name(t)) + " is not a block type");
}

}  // namespace lineage::weights
