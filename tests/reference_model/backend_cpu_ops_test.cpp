// Every CPU backend operation against a naive loop written from its definition (the transformers
// code each op mirrors is named in cpu_backend.cpp), plus backend selection.
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <vector>

#include "reference_model/backend/backend.h"
#include "weights/core/convert.h"
#include "weights/core/error.h"

using namespace lineage;
using namespace lineage::model;

namespace {

Tensor random_tensor(std::vector<std::int64_t> shape, std::uint32_t seed, float scale = 1.0f) {
    Tensor t = Tensor::zeros_host(std::move(shape));
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, scale);
    for (auto& x : t.span_f32()) x = dist(rng);
    return t;
}

float max_diff(const Tensor& a, const std::vector<float>& b) {
    REQUIRE(static_cast<std::size_t>(a.numel()) == b.size());
    float m = 0;
    for (std::size_t i = 0; i < b.size(); ++i) m = std::max(m, std::abs(a.f32()[i] - b[i]));
    return m;
}

}  // namespace

TEST_CASE("cpu matmul_wt: y = x W^T + b") {
    auto be = make_cpu_backend();
    for (bool with_bias : {false, true}) {
        Tensor x = random_tensor({5, 7}, 1), w = random_tensor({3, 7}, 2), b = random_tensor({3}, 3);
        Tensor y = be->allocate({5, 3});
        be->matmul_wt(x, w, with_bias ? &b : nullptr, y);
        std::vector<float> ref(15);
        for (int i = 0; i < 5; ++i)
            for (int j = 0; j < 3; ++j) {
                double s = with_bias ? b.f32()[j] : 0.0;
                for (int k = 0; k < 7; ++k) s += static_cast<double>(x.f32()[i * 7 + k]) * w.f32()[j * 7 + k];
                ref[static_cast<std::size_t>(i * 3 + j)] = static_cast<float>(s);
            }
        CHECK(max_diff(y, ref) < 1e-5f);
    }
    Tensor bad = be->allocate({5, 4});
    Tensor x = random_tensor({5, 7}, 1), w = random_tensor({3, 7}, 2);
    CHECK_THROWS_AS(be->matmul_wt(x, w, nullptr, bad), InternalError);
}

TEST_CASE("cpu rmsnorm, plain and (1 + w)") {
    auto be = make_cpu_backend();
    Tensor x = random_tensor({4, 16}, 4, 3.0f), w = random_tensor({16}, 5);
    for (bool plus_one : {false, true}) {
        Tensor y = be->allocate({4, 16});
        be->rmsnorm(x, w, 1e-6f, plus_one, y);
        std::vector<float> ref(64);
        for (int r = 0; r < 4; ++r) {
            double ss = 0;
            for (int i = 0; i < 16; ++i) ss += static_cast<double>(x.f32()[r * 16 + i]) * x.f32()[r * 16 + i];
            double inv = 1.0 / std::sqrt(ss / 16 + 1e-6);
            for (int i = 0; i < 16; ++i)
                ref[static_cast<std::size_t>(r * 16 + i)] =
                    static_cast<float>(x.f32()[r * 16 + i] * inv * (plus_one ? 1.0 + w.f32()[i] : w.f32()[i]));
        }
        CHECK(max_diff(y, ref) < 1e-5f);
    }
    // in place, per head ([T·H, hd] rows of a [T, H·hd] tensor)
    Tensor q = random_tensor({2, 32}, 6), hw = random_tensor({8}, 7);
    Tensor heads = q.reshaped({8, 8});
    Tensor copy = be->to_device(q, true);
    be->rmsnorm(heads, hw, 1e-6f, false, heads);
    for (int r = 0; r < 8; ++r) {
        double ss = 0;
        for (int i = 0; i < 8; ++i) ss += static_cast<double>(copy.f32()[r * 8 + i]) * copy.f32()[r * 8 + i];
        double inv = 1.0 / std::sqrt(ss / 8 + 1e-6);
        for (int i = 0; i < 8; ++i) CHECK(q.f32()[r * 8 + i] == doctest::Approx(copy.f32()[r * 8 + i] * inv * hw.f32()[i]).epsilon(1e-5));
    }
}

TEST_CASE("cpu rope: neox (rotate_half) and interleaved pairs, partial rotary") {
    auto be = make_cpu_backend();
    const int T = 3, H = 2, hd = 8, half = 3;  // rotary dim 6 of 8: the last 2 dims pass through
    Tensor cos = random_tensor({T, half}, 8), sin = random_tensor({T, half}, 9);
    for (RopeStyle style : {RopeStyle::neox, RopeStyle::interleaved}) {
        Tensor x = random_tensor({T, H * hd}, 10);
        Tensor orig = be->to_device(x, true);
        be->rope(x, H, hd, cos, sin, style);
        std::vector<float> ref(orig.span_f32().begin(), orig.span_f32().end());
        for (int t = 0; t < T; ++t)
            for (int h = 0; h < H; ++h)
                for (int i = 0; i < half; ++i) {
                    int a = style == RopeStyle::neox ? i : 2 * i, b = style == RopeStyle::neox ? i + half : 2 * i + 1;
                    float x1 = orig.f32()[t * H * hd + h * hd + a], x2 = orig.f32()[t * H * hd + h * hd + b];
                    float c = cos.f32()[t * half + i], s = sin.f32()[t * half + i];
                    ref[static_cast<std::size_t>(t * H * hd + h * hd + a)] = x1 * c - x2 * s;
                    ref[static_cast<std::size_t>(t * H * hd + h * hd + b)] = x2 * c + x1 * s;
                }
        CHECK(max_diff(x, ref) < 1e-6f);
    }
}

namespace {

// softmax(q k^T · scale + causal/window mask) v for one sequence, keys [0, kv_len), queries the
// last q_len positions; GQA by integer division of the head index.
std::vector<float> naive_attention(const float* q, const float* k, const float* v, int q_len, int kv_len, int H, int Hkv,
                                   int hd, float scale, int window) {
    std::vector<float> out(static_cast<std::size_t>(q_len * H * hd));
    for (int h = 0; h < H; ++h) {
        int g = h / (H / Hkv);
        for (int i = 0; i < q_len; ++i) {
            int pos = kv_len - q_len + i;
            std::vector<double> p(static_cast<std::size_t>(kv_len), 0.0);
            double mx = -1e300, sum = 0;
            for (int j = 0; j <= pos; ++j) {
                if (window > 0 && pos - j >= window) continue;
                double s = 0;
                for (int e = 0; e < hd; ++e) s += static_cast<double>(q[i * H * hd + h * hd + e]) * k[j * Hkv * hd + g * hd + e];
                p[static_cast<std::size_t>(j)] = s * scale;
                mx = std::max(mx, s * scale);
            }
            for (int j = 0; j <= pos; ++j) {
                if (window > 0 && pos - j >= window) continue;
                p[static_cast<std::size_t>(j)] = std::exp(p[static_cast<std::size_t>(j)] - mx);
                sum += p[static_cast<std::size_t>(j)];
            }
            for (int e = 0; e < hd; ++e) {
                double acc = 0;
                for (int j = 0; j <= pos; ++j)
                    if (!(window > 0 && pos - j >= window)) acc += p[static_cast<std::size_t>(j)] / sum * v[j * Hkv * hd + g * hd + e];
                out[static_cast<std::size_t>(i * H * hd + h * hd + e)] = static_cast<float>(acc);
            }
        }
    }
    return out;
}

}  // namespace

TEST_CASE("cpu attention: causal, GQA, sliding window, packed sequences, KV-cache offsets") {
    auto be = make_cpu_backend();
    const int H = 4, Hkv = 2, hd = 8;
    const float scale = 1.0f / std::sqrt(8.0f);
    for (int window : {0, 3}) {
        CAPTURE(window);
        // two packed sequences of 5 and 7 tokens, full prefill
        Tensor q = random_tensor({12, H * hd}, 11), k = random_tensor({12, Hkv * hd}, 12), v = random_tensor({12, Hkv * hd}, 13);
        Tensor out = be->allocate({12, H * hd});
        std::vector<AttentionSequence> seqs{{0, 5, 0, 5}, {5, 7, 5, 7}};
        be->attention(q, k, v, seqs, {H, Hkv, hd, scale, window}, out);
        auto r0 = naive_attention(q.f32(), k.f32(), v.f32(), 5, 5, H, Hkv, hd, scale, window);
        auto r1 = naive_attention(q.f32() + 5 * H * hd, k.f32() + 5 * Hkv * hd, v.f32() + 5 * Hkv * hd, 7, 7, H, Hkv, hd, scale, window);
        r0.insert(r0.end(), r1.begin(), r1.end());
        CHECK(max_diff(out, r0) < 1e-5f);

        // decode: 2 new queries against a cache of 9 keys starting at row 3
        Tensor qd = random_tensor({2, H * hd}, 14), kc = random_tensor({12, Hkv * hd}, 15), vc = random_tensor({12, Hkv * hd}, 16);
        Tensor od = be->allocate({2, H * hd});
        std::vector<AttentionSequence> dec{{0, 2, 3, 9}};
        be->attention(qd, kc, vc, dec, {H, Hkv, hd, scale, window}, od);
        auto rd = naive_attention(qd.f32(), kc.f32() + 3 * Hkv * hd, vc.f32() + 3 * Hkv * hd, 2, 9, H, Hkv, hd, scale, window);
        CHECK(max_diff(od, rd) < 1e-5f);
    }
}

TEST_CASE("cpu gated activations, add, softmax") {
    auto be = make_cpu_backend();
    Tensor g = random_tensor({3, 10}, 17, 2.0f), u = random_tensor({3, 10}, 18);
    struct Case {
        Activation act;
        double (*f)(double);
    };
    const Case cases[] = {
        {Activation::silu, [](double x) { return x / (1 + std::exp(-x)); }},
        {Activation::gelu, [](double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }},
        {Activation::gelu_tanh, [](double x) { return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x))); }},
        {Activation::relu, [](double x) { return x > 0 ? x : 0.0; }},
    };
    for (const auto& c : cases) {
        Tensor out = be->allocate({3, 10});
        be->gated_activation(g, u, c.act, out);
        std::vector<float> ref(30);
        for (int i = 0; i < 30; ++i) ref[static_cast<std::size_t>(i)] = static_cast<float>(c.f(g.f32()[i]) * u.f32()[i]);
        CHECK(max_diff(out, ref) < 1e-5f);
    }
    Tensor s = be->allocate({3, 10});
    be->add(g, u, s);
    std::vector<float> sum(30);
    for (int i = 0; i < 30; ++i) sum[static_cast<std::size_t>(i)] = g.f32()[i] + u.f32()[i];
    CHECK(max_diff(s, sum) == 0.0f);

    Tensor x = random_tensor({2, 6}, 19, 5.0f);
    std::vector<float> ref(12);
    for (int r = 0; r < 2; ++r) {
        double mx = -1e300, z = 0;
        for (int j = 0; j < 6; ++j) mx = std::max(mx, static_cast<double>(x.f32()[r * 6 + j]));
        for (int j = 0; j < 6; ++j) z += std::exp(x.f32()[r * 6 + j] - mx);
        for (int j = 0; j < 6; ++j) ref[static_cast<std::size_t>(r * 6 + j)] = static_cast<float>(std::exp(x.f32()[r * 6 + j] - mx) / z);
    }
    be->softmax(x);
    CHECK(max_diff(x, ref) < 1e-6f);
}

TEST_CASE("cpu embedding gathers rows of a bf16 view; to_device converts") {
    auto be = make_cpu_backend();
    std::vector<std::uint16_t> table(5 * 4);
    for (std::size_t i = 0; i < table.size(); ++i) table[i] = weights::f32_to_bf16(0.5f * static_cast<float>(i) - 3.0f);
    std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(table.data()), table.size() * 2);
    Tensor view = Tensor::view_host(bytes, {5, 4}, DType::BF16);
    CHECK(view.read_only());
    std::vector<std::int32_t> ids{4, 0, 4, 2};
    Tensor out = be->allocate({4, 4});
    be->embedding(view, ids, out);
    for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) CHECK(out.f32()[i * 4 + j] == 0.5f * static_cast<float>(ids[static_cast<std::size_t>(i)] * 4 + j) - 3.0f);
    Tensor full = be->to_device(view);
    CHECK(full.dtype() == DType::F32);
    CHECK(full.f32()[19] == 6.5f);
    CHECK_THROWS_AS(view.mutable_bytes(), InternalError);
    Tensor rows = full.slice_rows(2, 4);
    CHECK(rows.rows() == 2);
    CHECK(rows.f32()[0] == full.f32()[8]);
}

TEST_CASE("backend selection: cpu, auto falls back, cuda without a device is a device error") {
    CHECK(make_backend("cpu")->device() == Device::cpu);
    if (cuda_device_count() == 0) {
        CHECK(make_backend("auto")->device() == Device::cpu);
        CHECK_THROWS_AS(make_backend("cuda"), DeviceError);
        CHECK_THROWS_AS(make_cuda_backend(0), DeviceError);
    }
    CHECK_THROWS_AS(make_backend("tpu"), UsageError);
}
