// Host rearrangements of stored layouts (see fused_layouts.h).
#include "reference_model/model/fused_layouts.h"

#include <cstring>

#include "weights/core/error.h"

namespace lineage::model {

Tensor transpose_host(const Tensor& m) {
    const std::int64_t r = m.shape().at(0), c = m.numel() / r;
    Tensor t = Tensor::zeros_host({c, r});
    const float* in = m.f32();
    float* out = t.f32();
    for (std::int64_t i = 0; i < r; ++i)
        for (std::int64_t j = 0; j < c; ++j) out[j * r + i] = in[i * c + j];
    return t;
}

std::array<Tensor, 3> split_qkv_host(const Tensor& fused, QkvLayout layout, std::int64_t H, std::int64_t Hkv,
                                     std::int64_t hd) {
    const std::int64_t rows = fused.shape().at(0), cols = fused.numel() / rows;
    if (rows != (H + 2 * Hkv) * hd || (layout == QkvLayout::per_head && H != Hkv))
        throw InternalError("split_qkv_host: " + std::to_string(rows) + " rows do not hold q, k and v");
    auto shaped = [&](std::int64_t n) {
        std::vector<std::int64_t> s = fused.shape();
        s[0] = n;
        return Tensor::zeros_host(s);
    };
    std::array<Tensor, 3> out{shaped(H * hd), shaped(Hkv * hd), shaped(Hkv * hd)};
    const std::size_t row_bytes = static_cast<std::size_t>(cols) * sizeof(float);
    auto copy = [&](int part, std::int64_t dst_row, std::int64_t src_row, std::int64_t n) {
        std::memcpy(out[static_cast<std::size_t>(part)].f32() + dst_row * cols, fused.f32() + src_row * cols,
                    static_cast<std::size_t>(n) * row_bytes);
    };
    if (layout == QkvLayout::per_head) {
        for (std::int64_t h = 0; h < H; ++h)
            for (int part = 0; part < 3; ++part) copy(part, h * hd, (h * 3 + part) * hd, hd);
    } else {
        copy(0, 0, 0, H * hd);
        copy(1, 0, H * hd, Hkv * hd);
        copy(2, 0, (H + Hkv) * hd, Hkv * hd);
    }
    return out;
}

}  // namespace lineage::model
