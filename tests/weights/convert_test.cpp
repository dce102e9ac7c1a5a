// dtype table and fp32 conversions against known values: IEEE special cases, subnormals, every
// 8-bit float pattern by definition, rounding of the narrowing conversions.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "weights/core/convert.h"
#include "weights/core/dtype.h"
#include "weights/core/error.h"

using namespace lineage::weights;

TEST_CASE("dtype names round-trip and sizes follow the format") {
    for (DType t : all_dtypes()) CHECK(parse_dtype(dtype_name(t)) == t);
    CHECK(!parse_dtype("Q4").has_value());
    CHECK(dtype_size(DType::BF16) == 2);
    CHECK(dtype_size(DType::C64) == 8);
    CHECK(dtype_size(DType::F4) == 0);
    CHECK(dtype_bits(DType::F6_E2M3) == 6);
    CHECK(bytes_for_elements(DType::F4, 3) == 2);
    CHECK(bytes_for_elements(DType::F6_E3M2, 4) == 3);
    CHECK(bytes_for_elements(DType::F64, std::uint64_t(1) << 62) == std::nullopt);
    CHECK(is_floating(DType::F8_E4M3));
    CHECK(!is_floating(DType::I8));
}

TEST_CASE("bf16 and f16 decode exactly, including subnormals, infinities and NaN") {
    CHECK(bf16_to_f32(0x3F80) == 1.0f);
    CHECK(bf16_to_f32(0xC049) == -3.140625f);
    CHECK(bf16_to_f32(0x0001) == std::ldexp(1.0f, -133));  // smallest bf16 subnormal
    CHECK(std::isinf(bf16_to_f32(0xFF80)));
    CHECK(std::isnan(bf16_to_f32(0x7FC1)));
    CHECK(f16_to_f32(0x3C00) == 1.0f);
    CHECK(f16_to_f32(0x7BFF) == 65504.0f);
    CHECK(f16_to_f32(0x0001) == std::ldexp(1.0f, -24));
    CHECK(f16_to_f32(0x03FF) == std::ldexp(1023.0f, -24));
    CHECK(f16_to_f32(0x8000) == 0.0f);
    CHECK(std::signbit(f16_to_f32(0x8000)));
    CHECK(std::isinf(f16_to_f32(0x7C00)));
    CHECK(std::isnan(f16_to_f32(0x7C01)));
    // Every f16 pattern agrees with the hardware-independent definition.
    for (std::uint32_t h = 0; h < 0x10000; ++h) {
        const int exp = (h >> 10) & 0x1F, man = h & 0x3FF;
        const float sign = (h & 0x8000) ? -1.0f : 1.0f;
        const float got = f16_to_f32(static_cast<std::uint16_t>(h));
        if (exp == 31) {
            CHECK(man ? std::isnan(got) : got == sign * std::numeric_limits<float>::infinity());
            continue;
        }
        const float want = exp == 0 ? sign * std::ldexp(float(man), -24) : sign * std::ldexp(1.0f + man / 1024.0f, exp - 15);
        if (got != want) FAIL_CHECK("f16 pattern " << h);
    }
}

TEST_CASE("fp8 E4M3FN and E5M2 decode by definition") {
    CHECK(f8_e4m3_to_f32(0x7E) == 448.0f);
    CHECK(f8_e4m3_to_f32(0x01) == std::ldexp(1.0f, -9));
    CHECK(f8_e4m3_to_f32(0x38) == 1.0f);
    CHECK(std::isnan(f8_e4m3_to_f32(0x7F)));
    CHECK(std::isnan(f8_e4m3_to_f32(0xFF)));
    CHECK(f8_e4m3_to_f32(0xFE) == -448.0f);
    CHECK(f8_e5m2_to_f32(0x7B) == 57344.0f);
    CHECK(std::isinf(f8_e5m2_to_f32(0x7C)));
    CHECK(std::isnan(f8_e5m2_to_f32(0x7D)));
    CHECK(f8_e5m2_to_f32(0x01) == std::ldexp(1.0f, -16));
}

TEST_CASE("narrowing conversions round to nearest even") {
    CHECK(f32_to_bf16(1.0f) == 0x3F80);
    CHECK(f32_to_bf16(std::bit_cast<float>(0x3F808000u)) == 0x3F80);  // tie -> even
    CHECK(f32_to_bf16(std::bit_cast<float>(0x3F818000u)) == 0x3F82);  // tie -> even (up)
    CHECK(f32_to_bf16(std::bit_cast<float>(0x3F808001u)) == 0x3F81);
    CHECK(std::isnan(bf16_to_f32(f32_to_bf16(std::numeric_limits<float>::quiet_NaN()))));
    CHECK(f32_to_f16(1.0f) == 0x3C00);
    CHECK(f32_to_f16(65504.0f) == 0x7BFF);
    CHECK(f32_to_f16(65520.0f) == 0x7C00);
    CHECK(f32_to_f16(std::ldexp(1.0f, -24)) == 0x0001);
    CHECK(f32_to_f16(std::ldexp(1.0f, -26)) == 0x0000);  // below half the smallest subnormal
    CHECK(f32_to_f16(-2.0f) == 0xC000);
    for (std::uint32_t h = 0; h < 0x7C00; ++h) CHECK_EQ(f32_to_f16(f16_to_f32(std::uint16_t(h))), h);
}

TEST_CASE("convert_to_f32 converts ranges and refuses out-of-bounds requests") {
    const std::uint16_t raw[4] = {0x3F80, 0x4000, 0x4040, 0x4080};  // 1 2 3 4 in bf16
    std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(raw), sizeof raw);
    float out[2];
    convert_to_f32(DType::BF16, bytes, 2, out);
    CHECK(out[0] == 3.0f);
    CHECK(out[1] == 4.0f);
    CHECK_THROWS_AS(convert_to_f32(DType::BF16, bytes, 3, out), lineage::InternalError);
    const std::uint8_t f4[1] = {0x72};  // low nibble 2 -> 1.0, high nibble 7 -> 6.0
    float f4out[2];
    convert_to_f32(DType::F4, std::as_bytes(std::span(f4)), 0, f4out);
    CHECK(f4out[0] == 1.0f);
    CHECK(f4out[1] == 6.0f);
    float c[1];
    CHECK_THROWS_AS(convert_to_f32(DType::C64, bytes, 0, c), lineage::UnsupportedError);
}

TEST_CASE("stream_f32 and read_rows_f32 see the same values as read_f32") {
    std::vector<std::uint16_t> raw(6 * 5);
    for (std::size_t i = 0; i < raw.size(); ++i) raw[i] = f32_to_bf16(float(i) - 7.0f);
    TensorInfo t;
    t.name = "w";
    t.dtype = DType::BF16;
    t.shape = {6, 5};
    t.num_elements = 30;
    t.bytes = std::as_bytes(std::span(raw));
    const auto all = read_f32(t);
    std::vector<float> streamed;
    stream_f32(t, 7, [&](std::uint64_t first, std::span<const float> v) {
        CHECK(first == streamed.size());
        streamed.insert(streamed.end(), v.begin(), v.end());
    });
    CHECK(streamed == all);
    std::vector<float> rows(2 * 5);
    read_rows_f32(t, 3, 5, rows);
    CHECK(rows[0] == all[15]);
    CHECK(rows[9] == all[24]);
}
