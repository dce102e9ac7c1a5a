// Quantised Hugging Face checkpoints (tests/data/pytorch/A-*, bnb*, made by make_fixtures.py with
// the auto-gptq / autoawq / DeepSeek FP8 / bitsandbytes conventions): dequantised weights equal the
// reference dequantisation exactly, are close to the unquantised model, replace the packed tensors
// under the original `.weight` names; layouts that are not dequantised are reported, not guessed.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>

#include "weights/checkpoint.h"
#include "weights/core/convert.h"
#include "weights/core/error.h"
#include "weights/quantization/fp8_scaled.h"
#include "weights/quantization/packed_int.h"

using namespace lineage;
using namespace lineage::weights;

namespace {
const std::string kData = std::string(LINEAGE_SOURCE_DIR) + "/tests/data/pytorch";
const std::string kZoo = std::string(LINEAGE_SOURCE_DIR) + "/tests/data/minizoo";

bool has_suffix(const Checkpoint& cp, std::string_view suffix) {
    for (const auto& t : cp.tensors())
        if (t.name.ends_with(suffix)) return true;
    return false;
}

// ||a - b|| / ||b||
double relative_error(const std::vector<float>& a, const std::vector<float>& b) {
    double num = 0, den = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        num += (a[i] - b[i]) * double(a[i] - b[i]), den += double(b[i]) * b[i];
    return std::sqrt(num / den);
}
}  // namespace

TEST_CASE("GPTQ, AWQ and FP8 versions of minizoo A dequantise to the reference values") {
    const auto original = Checkpoint::open(kZoo + "/A");
    struct Case {
        const char* folder;
        const char* scheme;
        double max_error;  // relative error against the unquantised weights
    };
    for (const Case& c :
         {Case{"A-gptq", "gptq", 0.12}, Case{"A-awq", "awq", 0.12}, Case{"A-fp8", "fp8", 0.06}}) {
        INFO(c.folder);
        const auto cp = Checkpoint::open(kData + "/" + c.folder);
        const auto expected = Checkpoint::open(kData + "/" + c.folder + "/expected.safetensors");
        CHECK(cp.quantization().scheme == c.scheme);
        CHECK(cp.quantization().dequantised == 14);  // 2 layers x 7 projections
        CHECK(cp.quantization().not_comparable.empty());
        for (const char* gone : {".qweight", ".qzeros", ".scales", ".g_idx", ".weight_scale_inv"})
            CHECK_FALSE(has_suffix(cp, gone));
        for (const auto& want : expected.tensors()) {
            INFO(want.name);
            const TensorInfo& got = cp.at(want.name);
            CHECK(got.dtype == DType::F32);
            CHECK(got.shape == want.shape);
            CHECK(read_f32(got) == read_f32(want));  // the same arithmetic in fp32: exact
        }
        // Every projection is the original weight up to quantisation error; names line up.
        REQUIRE(cp.tensors().size() == original.tensors().size());
        for (const auto& t : original.tensors()) {
            if (!t.name.ends_with("_proj.weight")) continue;
            INFO(t.name);
            const TensorInfo& q = cp.at(t.name);
            CHECK(q.shape == t.shape);
            CHECK(relative_error(read_f32(q), read_f32(t)) < c.max_error);
        }
    }
}

TEST_CASE("bitsandbytes int8 and 4-bit (NF4 nested, FP4) dequantise to bitsandbytes' values") {
    const auto int8 = Checkpoint::open(kData + "/bnb8");
    const auto expected = Checkpoint::open(kData + "/bnb8/expected.safetensors");
    const std::string w = "model.layers.0.mlp.up_proj.weight";
    CHECK(int8.quantization().scheme == "bitsandbytes");
    CHECK(read_f32(int8.at(w)) == read_f32(expected.at(w)));
    CHECK_FALSE(int8.find("model.layers.0.mlp.up_proj.SCB"));

    const auto four = Checkpoint::open(kData + "/bnb4");
    const auto want4 = Checkpoint::open(kData + "/bnb4/expected.safetensors");
    CHECK(four.quantization().scheme == "bitsandbytes");
    CHECK(four.quantization().dequantised == 2);
    CHECK(four.quantization().not_comparable.empty());
    CHECK(four.tensors().size() ==
          3);  // two weights and the norm: absmax, quant_map, state consumed
    for (const auto& t : want4.tensors()) {
        INFO(t.name);
        const auto got = read_f32(four.at(t.name));
        const auto ref = read_f32(t);
        CHECK(four.at(t.name).shape == t.shape);
        REQUIRE(got.size() == ref.size());
        // (code * absmax2 + offset) may be fused into one FMA by the compiler: 1 ulp-level slack
        for (std::size_t i = 0; i < got.size(); ++i)
            CHECK(std::abs(got[i] - ref[i]) <= 1e-6f * (1 + std::abs(ref[i])));
    }
}

TEST_CASE("compressed-tensors packed integers are reported as not comparable, not guessed") {
    const auto cp = Checkpoint::open(kData + "/ct_packed");
    CHECK(cp.quantization().scheme == "compressed-tensors");
    REQUIRE(cp.quantization().not_comparable.size() == 1);
    CHECK(cp.quantization().not_comparable[0].starts_with(
        "model.layers.0.mlp.up_proj: compressed-tensors"));
    CHECK_FALSE(cp.find("model.layers.0.mlp.up_proj.weight"));
    CHECK(cp.find("model.layers.0.mlp.up_proj.weight_packed"));
}

TEST_CASE("plain checkpoints pass through the quantisation pass untouched") {
    const auto a = Checkpoint::open(kZoo + "/A");
    CHECK(a.quantization().scheme.empty());
    CHECK(a.quantization().dequantised == 0);
}

TEST_CASE("packed-int unpacking: hand-checked words, size checks, gptq_v2 zero offset") {
    // GPTQ 4-bit, in = 8, out = 8, one group: qweight row 0 holds input channels 0..7 of column o
    // in nibbles 0..7. Column 0: q[i] = i; zeros all 3 (stored 2 in the 'gptq' format); scale 0.5.
    std::vector<std::int32_t> qweight(8, 0);
    qweight[0] = static_cast<std::int32_t>(0x76543210u);
    const std::vector<std::int32_t> qzeros = {static_cast<std::int32_t>(0x22222222u)};
    const std::vector<float> scales(8, 0.5f);
    PackedIntShape s{8, 8, 4, 8};
    const auto w = dequantize_gptq(qweight, qzeros, scales, {}, s, 1, "t");
    for (int i = 0; i < 8; ++i) CHECK(w[i] == 0.5f * (i - 3));  // row o = 0 of (out, in)
    const auto v2 = dequantize_gptq(qweight, qzeros, scales, {}, s, 0, "t");
    CHECK(v2[0] == 0.5f * (0 - 2));
    CHECK_THROWS_AS(dequantize_gptq(std::span(qweight).first(7), qzeros, scales, {}, s, 1, "t"),
                    InputError);
    const std::vector<std::int32_t> bad_gidx(8, 5);
    CHECK_THROWS_AS(dequantize_gptq(qweight, qzeros, scales, bad_gidx, s, 1, "t"), InputError);
    PackedIntShape three{8, 8, 3, 8};
    CHECK_THROWS_AS(dequantize_gptq(qweight, qzeros, scales, {}, three, 1, "t"), UnsupportedError);

    // AWQ: in = 1, out = 8; nibble j holds column order[j] = {0,2,4,6,1,3,5,7}[j].
    const std::vector<std::int32_t> aw = {static_cast<std::int32_t>(0x76543210u)};
    const std::vector<std::int32_t> az = {0};
    const std::vector<float> as(8, 1.0f);
    const auto a = dequantize_awq(aw, az, as, PackedIntShape{1, 8, 4, 1}, "t");
    const float want[8] = {0, 4, 1, 5, 2, 6, 3, 7};
    for (int o = 0; o < 8; ++o) CHECK(a[o] == want[o]);
}

TEST_CASE(
    "FP8 scale layouts: per-tensor, per-channel, blocks, stacked experts; misfits are reported") {
    // 2 x 4 weight of ones (E4M3 0x38 = 1.0)
    std::vector<std::byte> ones(8, std::byte{0x38});
    TensorInfo w;
    w.name = "m.weight", w.dtype = DType::F8_E4M3, w.shape = {2, 4}, w.num_elements = 8,
    w.bytes = ones;
    auto scale = [](std::vector<float>& v, std::vector<std::int64_t> shape) {
        TensorInfo s;
        s.name = "m.weight_scale", s.dtype = DType::F32, s.shape = std::move(shape),
        s.num_elements = v.size();
        s.bytes = std::as_bytes(std::span<const float>(v));
        return s;
    };
    std::string why;
    std::vector<float> one = {3.f};
    CHECK(*dequantize_fp8(w, scale(one, {}), std::nullopt, why) == std::vector<float>(8, 3.f));
    std::vector<float> rows = {2.f, 5.f};
    CHECK(*dequantize_fp8(w, scale(rows, {2, 1}), std::nullopt, why) ==
          std::vector<float>{2, 2, 2, 2, 5, 5, 5, 5});
    std::vector<float> blocks = {1.f, 2.f};  // 1 x 2 grid of 2 x 2 blocks
    CHECK(*dequantize_fp8(w, scale(blocks, {1, 2}), std::make_pair(2L, 2L), why) ==
          std::vector<float>{1, 1, 2, 2, 1, 1, 2, 2});
    std::vector<float> three = {1.f, 2.f, 3.f};
    CHECK_FALSE(dequantize_fp8(w, scale(three, {3}), std::nullopt, why));
    CHECK(why.find("fits no") != std::string::npos);
    // Two stacked experts (2, 1, 4), one scale each.
    TensorInfo e = w;
    e.shape = {2, 1, 4};
    std::vector<float> per_expert = {1.f, 4.f};
    CHECK(*dequantize_fp8(e, scale(per_expert, {2}), std::nullopt, why) ==
          std::vector<float>{1, 1, 1, 1, 4, 4, 4, 4});
}
