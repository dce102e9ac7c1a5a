// The reference transformer against Hugging Face transformers on the tiny fixture models of
// tests/data/models (made by tools/fixtures/make_model_fixtures.py; layout in MANIFEST.json):
// every layer's hidden states, the final norm, logits (max |Δ| ≤ 1e-4 for fp32 compute) and 20
// greedy tokens with a KV cache. All three prompts of a model run as one packed batch, so the
// batch path is what is checked. bf16 models are also compared with transformers' own bf16
// arithmetic, to measure (and bound) that gap.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "reference_model/backend/backend.h"
#include "reference_model/model/transformer.h"
#include "weights/checkpoint.h"
#include "weights/core/convert.h"

using namespace lineage;
using namespace lineage::model;

namespace {

const std::string kModels = std::string(LINEAGE_SOURCE_DIR) + "/tests/data/models/";

struct Golden {
    weights::Checkpoint file;
    explicit Golden(const std::string& model) : file(weights::Checkpoint::open(kModels + model + "/expected/golden.safetensors")) {}
    bool has(const std::string& name) const { return file.find(name) != nullptr; }
    std::vector<float> f32(const std::string& name) const { return weights::read_f32(file.at(name)); }
    std::vector<std::int32_t> i32(const std::string& name) const {
        const auto& t = file.at(name);
        REQUIRE(t.dtype == weights::DType::I32);
        std::vector<std::int32_t> v(t.num_elements);
        std::memcpy(v.data(), t.bytes.data(), v.size() * sizeof(std::int32_t));
        return v;
    }
};

float max_abs_diff(const float* a, const float* b, std::size_t n) {
    float m = 0;
    for (std::size_t i = 0; i < n; ++i) m = std::max(m, std::abs(a[i] - b[i]));
    return m;
}

float max_abs(const float* a, std::size_t n) {
    float m = 0;
    for (std::size_t i = 0; i < n; ++i) m = std::max(m, std::abs(a[i]));
    return m;
}

constexpr float kLogitTolerance = 1e-4f;
// Hidden states: 1e-4 relative to the largest magnitude of that layer (values grow along the
// residual stream); measured at most 2e-6.
constexpr float kHiddenRelTolerance = 1e-4f;
// transformers computing in bf16 vs our fp32 compute on the same bf16 weights, relative to the
// largest |logit| of the row. Measured on these fixtures (|logit| up to ~8): at most 0.44 absolute,
// 5.6% of the largest logit; bf16 rounds every activation to 8 significant bits.
constexpr float kBf16NativeRelTolerance = 0.10f;

void check_model(const std::string& name) {
    CAPTURE(name);
    auto ckpt = weights::Checkpoint::open(kModels + name);
    auto backend = make_cpu_backend();
    Transformer tf(ckpt, *backend);
    Golden g(name);
    const std::int64_t L = tf.dims().layers, d = tf.dims().hidden, V = tf.dims().vocab;

    std::vector<std::vector<std::int32_t>> prompts;
    for (int p = 0; g.has("p" + std::to_string(p) + ".ids"); ++p) prompts.push_back(g.i32("p" + std::to_string(p) + ".ids"));
    REQUIRE(prompts.size() == 3);

    std::vector<std::vector<float>> hidden(static_cast<std::size_t>(L + 1)), final_norm;
    std::vector<SequenceSpan> spans;
    ForwardOptions opt;
    opt.capture_all_layers = true;
    opt.capture_final_norm_output = true;
    opt.capture_final_norm_input = true;
    opt.logits = LogitsMode::all;
    std::vector<float> final_input;
    opt.on_capture = [&](const Captured& c) {
        auto s = c.values.span_f32();
        if (c.point == CapturePoint::hidden) hidden[static_cast<std::size_t>(c.layer)].assign(s.begin(), s.end());
        if (c.point == CapturePoint::final_norm_output) final_norm.push_back({s.begin(), s.end()});
        if (c.point == CapturePoint::final_norm_input) final_input.assign(s.begin(), s.end());
        if (c.point == CapturePoint::hidden && c.layer == 0) spans.assign(c.sequences.begin(), c.sequences.end());
    };
    ForwardResult r = tf.forward(prompts, opt);
    REQUIRE(spans.size() == prompts.size());
    CHECK(final_input == hidden[static_cast<std::size_t>(L)]);

    float worst_logit = 0, worst_hidden = 0, worst_native = 0;
    for (std::size_t p = 0; p < prompts.size(); ++p) {
        const std::string k = "p" + std::to_string(p);
        const auto n = static_cast<std::size_t>(spans[p].length);
        const auto gh = g.f32(k + ".hidden");
        REQUIRE(gh.size() == static_cast<std::size_t>(L + 1) * n * static_cast<std::size_t>(d));
        for (std::int64_t l = 0; l <= L; ++l) {
            const float* ours = hidden[static_cast<std::size_t>(l)].data() + spans[p].begin * d;
            const float* theirs = gh.data() + static_cast<std::size_t>(l) * n * static_cast<std::size_t>(d);
            const std::size_t count = n * static_cast<std::size_t>(d);
            float diff = max_abs_diff(ours, theirs, count), scale = std::max(1.0f, max_abs(theirs, count));
            CAPTURE(p);
            CAPTURE(l);
            CHECK(diff <= kHiddenRelTolerance * scale);
            worst_hidden = std::max(worst_hidden, diff / scale);
        }
        const auto gf = g.f32(k + ".final_norm");
        CHECK(max_abs_diff(final_norm[0].data() + spans[p].begin * d, gf.data(), gf.size()) <= kLogitTolerance);

        const auto rows = g.i32(k + ".logit_rows");
        const auto gl = g.f32(k + ".logits");
        std::vector<float> native;
        if (g.has(k + ".logits_native")) native = g.f32(k + ".logits_native");
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const float* ours = r.logits.f32() + (spans[p].begin + rows[i]) * V;
            float diff = max_abs_diff(ours, gl.data() + i * static_cast<std::size_t>(V), static_cast<std::size_t>(V));
            CAPTURE(p);
            CAPTURE(rows[i]);
            CHECK(diff <= kLogitTolerance);
            worst_logit = std::max(worst_logit, diff);
            if (!native.empty()) {
                const float* theirs = native.data() + i * static_cast<std::size_t>(V);
                float nd = max_abs_diff(ours, theirs, static_cast<std::size_t>(V));
                CHECK(nd <= kBf16NativeRelTolerance * max_abs(theirs, static_cast<std::size_t>(V)));
                worst_native = std::max(worst_native, nd);
            }
        }
    }
    MESSAGE(name << ": max |dlogit| " << worst_logit << ", max hidden |d|/scale " << worst_hidden
                 << (g.has("p0.logits_native") ? ", vs transformers bf16 compute " + std::to_string(worst_native) : ""));

    // 20 greedy tokens with the KV cache, identical to transformers' generate().
    const auto prompt = g.i32("greedy.prompt");
    const auto expected = g.i32("greedy.tokens");
    auto tokens = tf.generate_greedy(prompt, static_cast<std::int64_t>(expected.size()), nullptr);
    CHECK(tokens == expected);
}

}  // namespace

TEST_CASE("reference transformer matches transformers: Llama fp32, GQA, untied") { check_model("llama_fp32"); }
TEST_CASE("reference transformer matches transformers: Llama bf16, tied") { check_model("llama_bf16"); }
TEST_CASE("reference transformer matches transformers: Mistral sliding window") { check_model("mistral_sliding"); }
TEST_CASE("reference transformer matches transformers: Qwen2 q/k/v biases") { check_model("qwen2_bias"); }
TEST_CASE("reference transformer matches transformers: Qwen3 q/k norm") { check_model("qwen3_qknorm"); }
TEST_CASE("reference transformer matches transformers: RoPE linear") { check_model("llama_rope_linear"); }
TEST_CASE("reference transformer matches transformers: RoPE dynamic NTK") { check_model("llama_rope_dynamic"); }
TEST_CASE("reference transformer matches transformers: RoPE YaRN") { check_model("llama_rope_yarn"); }
TEST_CASE("reference transformer matches transformers: RoPE llama3") { check_model("llama_rope_llama3"); }

TEST_CASE("layer-streaming forward: batch results equal single-sequence results") {
    auto ckpt = weights::Checkpoint::open(kModels + "mistral_sliding");
    auto backend = make_cpu_backend();
    Transformer tf(ckpt, *backend);
    Golden g("mistral_sliding");
    std::vector<std::vector<std::int32_t>> batch{g.i32("p2.ids"), g.i32("p0.ids"), g.i32("p1.ids")};
    ForwardOptions opt;
    opt.logits = LogitsMode::last;
    ForwardResult all = tf.forward(batch, opt);
    REQUIRE(all.logits.rows() == 3);
    for (std::size_t i = 0; i < batch.size(); ++i) {
        ForwardResult one = tf.forward(std::span(&batch[i], 1), opt);
        const std::int64_t V = tf.dims().vocab;
        CHECK(max_abs_diff(one.logits.f32(), all.logits.f32() + static_cast<std::int64_t>(i) * V, static_cast<std::size_t>(V)) <= 1e-5f);
    }
}
