// GPTQ / AWQ unpacking (conventions in packed_int.h). Sizes are checked against the shape before
// any index is formed; the output is row-major (out, in), as nn.Linear stores its weight.
#include "weights/quantization/packed_int.h"

#include <string>

#include "weights/core/error.h"

namespace lineage::weights {
namespace {

void expect(std::size_t got, std::int64_t want, const char* what, const std::string& where) {
    if (want < 0 || got != static_cast<std::size_t>(want))
        throw InputError(where, std::string(what) + " holds " + std::to_string(got) +
                                    " values (expected " + std::to_string(want) + ")");
}

std::uint32_t field(std::int32_t word, int index, int bits) {
    return (static_cast<std::uint32_t>(word) >> (bits * index)) & ((1u << bits) - 1u);
}

}  // namespace

std::vector<float> dequantize_gptq(std::span<const std::int32_t> qweight,
                                   std::span<const std::int32_t> qzeros,
                                   std::span<const float> scales,
                                   std::span<const std::int32_t> g_idx, const PackedIntShape& s,
                                   int zero_offset, const std::string& where) {
    if (s.bits != 2 && s.bits != 4 && s.bits != 8)
        throw UnsupportedError(
            where, "GPTQ with " + std::to_string(s.bits) + " bits is not supported (2, 4 or 8)");
    const int p = 32 / s.bits;
    if (s.in <= 0 || s.out <= 0 || s.in % p || s.out % p)
        throw InputError(where, "GPTQ shape (in " + std::to_string(s.in) + ", out " +
                                    std::to_string(s.out) + ") is not a multiple of " +
                                    std::to_string(p));
    expect(qweight.size(), s.in / p * s.out, "qweight", where);
    if (scales.size() % static_cast<std::size_t>(s.out))
        expect(scales.size(), s.out, "scales", where);
    const std::int64_t groups = static_cast<std::int64_t>(scales.size()) / s.out;
    expect(qzeros.size(), groups * (s.out / p), "qzeros", where);
    if (!g_idx.empty()) expect(g_idx.size(), s.in, "g_idx", where);
    const std::int64_t gs = s.group_size > 0 ? s.group_size : s.in;

    std::vector<float> w(static_cast<std::size_t>(s.out * s.in));
    for (std::int64_t i = 0; i < s.in; ++i) {
        const std::int64_t g = g_idx.empty() ? i / gs : g_idx[static_cast<std::size_t>(i)];
        if (g < 0 || g >= groups)
            throw InputError(where, "g_idx[" + std::to_string(i) + "] = " + std::to_string(g) +
                                        " is not a group (0.." + std::to_string(groups - 1) + ")");
        const std::int32_t* qrow = qweight.data() + (i / p) * s.out;
        const std::int32_t* zrow = qzeros.data() + g * (s.out / p);
        const float* srow = scales.data() + g * s.out;
        for (std::int64_t o = 0; o < s.out; ++o) {
            const auto q = static_cast<float>(field(qrow[o], static_cast<int>(i % p), s.bits));
            const auto z = static_cast<float>(field(zrow[o / p], static_cast<int>(o % p), s.bits) +
                                              zero_offset);
            w[static_cast<std::size_t>(o * s.in + i)] = srow[o] * (q - z);
        }
    }
    return w;
}

std::vector<float> dequantize_awq(std::span<const std::int32_t> qweight,
                                  std::span<const std::int32_t> qzeros,
                                  std::span<const float> scales, const PackedIntShape& s,
                                  const std::string& where) {
    // Nibble j of a word holds column 8c + kOrder[j]; kSlot is its inverse (column -> nibble).
    static constexpr int kSlot[8] = {0, 4, 1, 5, 2, 6, 3, 7};
    if (s.bits != 4)
        throw UnsupportedError(where,
                               "AWQ with " + std::to_string(s.bits) + " bits is not supported (4)");
    if (s.in <= 0 || s.out <= 0 || s.out % 8)
        throw InputError(where, "AWQ shape (in " + std::to_string(s.in) + ", out " +
                                    std::to_string(s.out) + ") has out not a multiple of 8");
    const std::int64_t gs = s.group_size > 0 ? s.group_size : s.in;
    const std::int64_t groups = (s.in + gs - 1) / gs;
    expect(qweight.size(), s.in * (s.out / 8), "qweight", where);
    expect(qzeros.size(), groups * (s.out / 8), "qzeros", where);
    expect(scales.size(), groups * s.out, "scales", where);

    std::vector<float> w(static_cast<std::size_t>(s.out * s.in));
    for (std::int64_t i = 0; i < s.in; ++i) {
        const std::int64_t g = i / gs;
        const std::int32_t* qrow = qweight.data() + i * (s.out / 8);
        const std::int32_t* zrow = qzeros.data() + g * (s.out / 8);
        const float* srow = scales.data() + g * s.out;
        for (std::int64_t o = 0; o < s.out; ++o) {
            const int slot = kSlot[o % 8];
            const auto q = static_cast<float>(field(qrow[o / 8], slot, 4));
            const auto z = static_cast<float>(field(zrow[o / 8], slot, 4));
            w[static_cast<std::size_t>(o * s.in + i)] = srow[o] * (q - z);
        }
    }
    return w;
}

}  // namespace lineage::weights
