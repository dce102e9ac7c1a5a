// Shared check of the reference transformer against the transformers goldens of
// tests/data/models_moe (made by tools/fixtures/make_moe_fixtures.py; layout in its docstring and
// MANIFEST.json): every block's output, the final norm, logits (max |Δ| ≤ 1e-4, fp32 compute on
// bf16-stored weights) and 20 greedy tokens with the KV cache. The three prompts run as one packed
// batch. Used by moe_forward_test.cpp and mla_forward_test.cpp.
#pragma once

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

namespace lineage::moe_test {

inline const std::string kMoeModels = std::string(LINEAGE_SOURCE_DIR) + "/tests/data/models_moe/";

struct MoeGolden {
    weights::Checkpoint file;
    explicit MoeGolden(const std::string& model)
        : file(weights::Checkpoint::open(kMoeModels + model + "/expected/golden.safetensors")) {}
    bool has(const std::string& name) const { return file.find(name) != nullptr; }
    std::vector<float> f32(const std::string& name) const {
        return weights::read_f32(file.at(name));
    }
    std::vector<std::int32_t> i32(const std::string& name) const {
        const auto& t = file.at(name);
        REQUIRE(t.dtype == weights::DType::I32);
        std::vector<std::int32_t> v(t.num_elements);
        std::memcpy(v.data(), t.bytes.data(), v.size() * sizeof(std::int32_t));
        return v;
    }
};

inline float max_abs_diff(const float* a, const float* b, std::size_t n) {
    float m = 0;
    for (std::size_t i = 0; i < n; ++i) m = std::max(m, std::abs(a[i] - b[i]));
    return m;
}

inline float max_abs(const float* a, std::size_t n) {
    float m = 0;
    for (std::size_t i = 0; i < n; ++i) m = std::max(m, std::abs(a[i]));
    return m;
}

constexpr float kLogitTolerance = 1e-4f;
constexpr float kHiddenRelTolerance = 1e-4f;  // relative to the layer's largest |value|

// `model`: folder under tests/data/models_moe; `golden`: whose goldens to use (the fused-experts
// copy reuses its source model's).
inline void check_moe_model(const std::string& model, const std::string& golden_of = "") {
    using namespace lineage::model;
    const std::string golden = golden_of.empty() ? model : golden_of;
    CAPTURE(model);
    auto ckpt = weights::Checkpoint::open(kMoeModels + model);
    auto backend = make_cpu_backend();
    Transformer tf(ckpt, *backend);
    REQUIRE(tf.mixture() != nullptr);
    MoeGolden g(golden);
    const std::int64_t L = tf.dims().layers, d = tf.dims().hidden, V = tf.dims().vocab;

    std::vector<std::vector<std::int32_t>> prompts;
    for (int p = 0; g.has("p" + std::to_string(p) + ".ids"); ++p)
        prompts.push_back(g.i32("p" + std::to_string(p) + ".ids"));
    REQUIRE(prompts.size() == 3);

    std::vector<std::vector<float>> hidden(static_cast<std::size_t>(L + 1));
    std::vector<float> final_norm;
    std::vector<SequenceSpan> spans;
    ForwardOptions opt;
    opt.capture_all_layers = true;
    opt.capture_final_norm_output = true;
    opt.logits = LogitsMode::all;
    opt.on_capture = [&](const Captured& c) {
        auto s = c.values.span_f32();
        if (c.point == CapturePoint::hidden)
            hidden[static_cast<std::size_t>(c.layer)].assign(s.begin(), s.end());
        if (c.point == CapturePoint::final_norm_output) final_norm.assign(s.begin(), s.end());
        if (c.point == CapturePoint::hidden && c.layer == 0)
            spans.assign(c.sequences.begin(), c.sequences.end());
    };
    ForwardResult r = tf.forward(prompts, opt);
    REQUIRE(spans.size() == prompts.size());

    float worst_logit = 0, worst_hidden = 0;
    for (std::size_t p = 0; p < prompts.size(); ++p) {
        const std::string k = "p" + std::to_string(p);
        const auto n = static_cast<std::size_t>(spans[p].length);
        const auto gh = g.f32(k + ".hidden");
        REQUIRE(gh.size() == static_cast<std::size_t>(L + 1) * n * static_cast<std::size_t>(d));
        for (std::int64_t l = 0; l <= L; ++l) {
            const float* ours = hidden[static_cast<std::size_t>(l)].data() + spans[p].begin * d;
            const float* theirs =
                gh.data() + static_cast<std::size_t>(l) * n * static_cast<std::size_t>(d);
            const std::size_t count = n * static_cast<std::size_t>(d);
            const float diff = max_abs_diff(ours, theirs, count),
                        scale = std::max(1.0f, max_abs(theirs, count));
            CAPTURE(p);
            CAPTURE(l);
            CHECK(diff <= kHiddenRelTolerance * scale);
            worst_hidden = std::max(worst_hidden, diff / scale);
        }
        const auto gf = g.f32(k + ".final_norm");
        CHECK(max_abs_diff(final_norm.data() + spans[p].begin * d, gf.data(), gf.size()) <=
              kLogitTolerance);
        const auto rows = g.i32(k + ".logit_rows");
        const auto gl = g.f32(k + ".logits");
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const float* ours = r.logits.f32() + (spans[p].begin + rows[i]) * V;
            const float diff = max_abs_diff(ours, gl.data() + i * static_cast<std::size_t>(V),
                                            static_cast<std::size_t>(V));
            CAPTURE(p);
            CAPTURE(rows[i]);
            CHECK(diff <= kLogitTolerance);
            worst_logit = std::max(worst_logit, diff);
        }
    }
    MESSAGE(model << ": max |dlogit| " << worst_logit << ", max hidden |d|/scale " << worst_hidden);

    const auto prompt = g.i32("greedy.prompt");
    const auto expected = g.i32("greedy.tokens");
    CHECK(tf.generate_greedy(prompt, static_cast<std::int64_t>(expected.size()), nullptr) ==
          expected);
}

}  // namespace lineage::moe_test
