// The reference transformer against Hugging Face transformers on one tiny model per dense family
// (tests/data/models_families, made by tools/fixtures/make_family_fixtures.py): Phi-3 (fused
// projections, partial rotary), Gemma (scaled embeddings, (1+w) norms), Gemma 2 (sandwich norms,
// soft-capping, query_pre_attn_scalar, sliding/global), Gemma 3 (Gemma 2's block with (1+w) q/k
// norms and a RoPE base per layer type), HyperCLOVAX (muP multipliers, peri-LN
// post norms, biases), Exaone 4 (post-norms only, q/k norm, NoPE global layer), EXAONE 3.x (Llama
// under other names), the vision-language wrappers run text-only (HyperCLOVA X SEED Vision, Gemma 3)
// and VAETKI (goldens assembled from transformers modules, see make_vaetki_fixture.py). Every
// block's hidden state, the final norm and logits of three prompts run as one packed batch, then
// 20 greedy tokens with the KV cache.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "reference_model/architecture/family_traits.h"
#include "reference_model/architecture/language_model_config.h"
#include "reference_model/architecture/layer_rope.h"
#include "reference_model/backend/backend.h"
#include "reference_model/model/transformer.h"
#include "weights/checkpoint.h"
#include "weights/core/convert.h"
#include "weights/core/error.h"
#include "weights/model_config.h"
#include "weights/tensor_roles.h"

using namespace lineage;
using namespace lineage::model;

namespace {

const std::string kFamilies = std::string(LINEAGE_SOURCE_DIR) + "/tests/data/models_families/";

std::vector<std::int32_t> ints(const weights::Checkpoint& g, const std::string& name) {
    const auto& t = g.at(name);
    REQUIRE(t.dtype == weights::DType::I32);
    std::vector<std::int32_t> v(t.num_elements);
    std::memcpy(v.data(), t.bytes.data(), v.size() * sizeof(std::int32_t));
    return v;
}

// Largest |a - b| over n values, relative to max(1, largest |b|).
float rel_diff(const float* a, const float* b, std::size_t n) {
    float d = 0, m = 1;
    for (std::size_t i = 0; i < n; ++i) d = std::max(d, std::abs(a[i] - b[i])), m = std::max(m, std::abs(b[i]));
    return d / m;
}

constexpr float kTolerance = 1e-4f;  // relative to the layer's (or row's) largest magnitude

void check_family(const std::string& name, const std::string& architecture) {
    CAPTURE(name);
    auto ckpt = weights::Checkpoint::open(kFamilies + name);
    auto golden = weights::Checkpoint::open(kFamilies + name + "/expected/golden.safetensors");
    auto backend = make_cpu_backend();
    Transformer tf(ckpt, *backend);
    CHECK(tf.architecture().name == architecture);
    const std::int64_t L = tf.dims().layers, d = tf.dims().hidden, V = tf.dims().vocab;

    std::vector<std::vector<std::int32_t>> prompts;
    for (int p = 0; golden.find("p" + std::to_string(p) + ".ids"); ++p) prompts.push_back(ints(golden, "p" + std::to_string(p) + ".ids"));
    REQUIRE(prompts.size() == 3);
    std::vector<std::vector<float>> hidden(static_cast<std::size_t>(L + 1));
    std::vector<float> final_norm;
    std::vector<SequenceSpan> spans;
    ForwardOptions opt;
    opt.capture_all_layers = true;
    opt.capture_final_norm_output = true;
    opt.on_capture = [&](const Captured& c) {
        auto s = c.values.span_f32();
        if (c.point == CapturePoint::hidden) hidden[static_cast<std::size_t>(c.layer)].assign(s.begin(), s.end());
        if (c.point == CapturePoint::final_norm_output) final_norm.assign(s.begin(), s.end());
        if (c.point == CapturePoint::hidden && c.layer == 0) spans.assign(c.sequences.begin(), c.sequences.end());
    };
    const ForwardResult r = tf.forward(prompts, opt);
    REQUIRE(spans.size() == 3);

    float worst = 0;
    for (std::size_t p = 0; p < prompts.size(); ++p) {
        CAPTURE(p);
        const std::string k = "p" + std::to_string(p);
        const auto n = static_cast<std::size_t>(spans[p].length);
        const auto gh = weights::read_f32(golden.at(k + ".hidden"));
        REQUIRE(gh.size() == static_cast<std::size_t>(L + 1) * n * static_cast<std::size_t>(d));
        for (std::int64_t l = 0; l <= L; ++l) {
            CAPTURE(l);
            const float e = rel_diff(hidden[static_cast<std::size_t>(l)].data() + spans[p].begin * d,
                                     gh.data() + static_cast<std::size_t>(l) * n * static_cast<std::size_t>(d), n * static_cast<std::size_t>(d));
            CHECK(e <= kTolerance);
            worst = std::max(worst, e);
        }
        const auto gf = weights::read_f32(golden.at(k + ".final_norm"));
        CHECK(rel_diff(final_norm.data() + spans[p].begin * d, gf.data(), gf.size()) <= kTolerance);
        const auto rows = ints(golden, k + ".logit_rows");
        const auto gl = weights::read_f32(golden.at(k + ".logits"));
        for (std::size_t i = 0; i < rows.size(); ++i) {
            CAPTURE(rows[i]);
            const float e = rel_diff(r.logits.f32() + (spans[p].begin + rows[i]) * V, gl.data() + i * static_cast<std::size_t>(V),
                                     static_cast<std::size_t>(V));
            CHECK(e <= kTolerance);
            worst = std::max(worst, e);
        }
    }
    MESSAGE(name << ": worst relative difference to transformers " << worst);

    const auto prompt = ints(golden, "greedy.prompt");
    const auto expected = ints(golden, "greedy.tokens");
    CHECK(tf.generate_greedy(prompt, static_cast<std::int64_t>(expected.size()), nullptr) == expected);
}

}  // namespace

TEST_CASE("Phi-3: fused qkv and gate_up split by rows, partial rotary") { check_family("phi3_fused", "Phi3ForCausalLM"); }
TEST_CASE("Gemma: scaled embeddings and (1+w) norms") { check_family("gemma_scaled", "GemmaForCausalLM"); }
TEST_CASE("Gemma 2: sandwich norms, soft-capping, query_pre_attn_scalar, local/global") {
    check_family("gemma2_softcap", "Gemma2ForCausalLM");
}
TEST_CASE("Gemma 3: sandwich norms, (1+w) q/k norms, local/global layers with their own RoPE bases") {
    check_family("gemma3_local_global", "Gemma3ForCausalLM");
}
TEST_CASE("Gemma 3: layer types and RoPE bases from transformers 4 and 5 configs") {
    auto config = [](const std::string& json) { return weights::ModelConfig::from_json(JsonValue::parse(json, "t"), "t"); };
    const FamilyTraits& gemma3 = family_traits("Gemma3ForCausalLM");
    // transformers 4 (the published google/gemma-3-*): no layer_types, pattern 6, rope_local_base_freq.
    const auto old = config(R"({"architectures": ["Gemma3ForCausalLM"], "sliding_window_pattern": 6,
        "rope_theta": 1000000.0, "rope_local_base_freq": 10000.0, "rope_scaling": {"rope_type": "linear", "factor": 8.0}})");
    const auto sliding = sliding_layers_by_type_or_pattern(old, 12, "t");
    for (std::size_t i = 0; i < 12; ++i) CHECK(sliding[i] == (i != 5 && i != 11));
    const LayerRopes r = layer_ropes(old, gemma3, 8, sliding, "t");
    REQUIRE(r.ropes.size() == 2);
    CHECK(r.of_layer[5] == 0);
    CHECK(r.of_layer[0] == 1);
    CHECK(r.ropes[0].type() == "linear");
    CHECK(r.ropes[0].inv_freq(1)[1] == doctest::Approx(1.0 / std::pow(1e6, 0.25) / 8.0));
    CHECK(r.ropes[1].type() == "default");
    CHECK(r.ropes[1].inv_freq(1)[1] == doctest::Approx(0.1));
    // Bases absent: the family's defaults (1e6 global, 1e4 local); "_sliding_window_pattern" as
    // transformers 5 writes it.
    const auto bare = config(R"({"architectures": ["Gemma3ForCausalLM"], "_sliding_window_pattern": 2})");
    const auto s2 = sliding_layers_by_type_or_pattern(bare, 4, "t");
    CHECK(s2 == std::vector<bool>{true, false, true, false});
    const LayerRopes d = layer_ropes(bare, gemma3, 8, s2, "t");
    CHECK(d.ropes[0].inv_freq(1)[1] == doctest::Approx(1.0 / std::pow(1e6, 0.25)));
    CHECK(d.ropes[1].inv_freq(1)[1] == doctest::Approx(0.1));
    // Families with one RoPE keep one.
    CHECK(layer_ropes(old, family_traits("Gemma2ForCausalLM"), 8, sliding, "t").ropes.size() == 1);
    CHECK_THROWS_AS(sliding_layers_by_type_or_pattern(config(R"({"layer_types": ["full_attention"]})"), 2, "t"), InputError);
}
TEST_CASE("HyperCLOVAX: muP multipliers and peri-LN post norms") { check_family("hyperclovax_mup", "HyperCLOVAXForCausalLM"); }
TEST_CASE("Exaone 4: post-norms only, q/k norm, NoPE on the global layer") { check_family("exaone4_hybrid", "Exaone4ForCausalLM"); }
TEST_CASE("EXAONE 3.x: Llama under transformer.h.{i}.attn.attention.* names") { check_family("exaone3_llama", "ExaoneForCausalLM"); }

TEST_CASE("embedding scale rounded to the model dtype as torch does") {
    // Values from torch.tensor(sqrt(h), dtype=torch.bfloat16), recorded by the fixture generator
    // in tests/data/models_families/MANIFEST.json.
    CHECK(round_to_dtype(std::sqrt(2304.0f), "bfloat16") == 48.0f);
    CHECK(round_to_dtype(std::sqrt(3072.0f), "bfloat16") == 55.5f);
    CHECK(round_to_dtype(std::sqrt(3584.0f), "bfloat16") == 59.75f);
    CHECK(round_to_dtype(std::sqrt(3072.0f), "float32") == std::sqrt(3072.0f));
}

TEST_CASE("family traits: classes without a row behave as Llama") {
    CHECK(family_traits("LlamaForCausalLM").pre_norms);
    CHECK(family_traits("SomethingElse").post_norms == PostNorms::none);
    CHECK_FALSE(family_traits("Exaone4ForCausalLM").pre_norms);
    CHECK(family_traits("Phi3ForCausalLM").qkv == QkvLayout::concatenated);
    CHECK(family_traits("GPTJForCausalLM").residual == Residual::parallel_one_norm);
}

TEST_CASE("HyperCLOVA X SEED Vision V2: the language model inside the VLM runs; towers are not in its way") {
    check_family("hcx_vision_v2", "HyperCLOVAXVisionV2ForConditionalGeneration");
}
TEST_CASE("Gemma 3 vision-language wrapper: its language model runs text-only; tower tensors stay out of it") {
    check_family("gemma3_vision", "Gemma3ForConditionalGeneration");
    // The tower and projector are components of their own, never language-model tensors.
    auto ckpt = weights::Checkpoint::open(kFamilies + "gemma3_vision");
    const auto roles = weights::classify_tensors(ckpt.tensors());
    int vision = 0, projector = 0, lm = 0;
    for (std::size_t i = 0; i < roles.size(); ++i) {
        const std::string& n = ckpt.tensors()[i].name;
        CAPTURE(n);
        if (n.starts_with("vision_tower.")) {
            CHECK(roles[i].tower == "vision");
            ++vision;
        } else if (n.starts_with("multi_modal_projector.")) {
            CHECK(roles[i].tower == "projector");
            ++projector;
        } else {
            CHECK(roles[i].tower.empty());
            CHECK(roles[i].role != weights::Role::other);
            ++lm;
        }
    }
    CHECK(vision > 0);
    CHECK(projector == 2);
    CHECK(lm == 2 + 2 * 13);  // embeddings, final norm; 13 tensors per block (lm_head tied)
    // transformers 5's in-memory names (model.language_model.*) classify the same way.
    CHECK(weights::classify_tensor("model.language_model.layers.1.self_attn.q_norm.weight").role == weights::Role::q_norm);
    CHECK(weights::classify_tensor("model.language_model.embed_tokens.weight").role == weights::Role::token_embedding);
    CHECK(weights::classify_tensor("model.vision_tower.vision_model.encoder.layers.0.mlp.fc1.weight").tower == "vision");
    CHECK(weights::classify_tensor("model.multi_modal_projector.mm_input_projection_weight").tower == "projector");
}
// VAETKI has no transformers class: these goldens are assembled from transformers' DeepseekV3
// attention / MoE and Gemma3RMSNorm modules wired as VAETKI's official vLLM plugin wires them
// (tools/fixtures/make_vaetki_fixture.py), not produced by an official VAETKI implementation.
TEST_CASE("VAETKI: MLA with (1+w) latent norms, sandwich norms, sliding/full blocks with two RoPE bases, MoE") {
    check_family("vaetki_mla", "VaetkiForCausalLM");
}
TEST_CASE("VAETKI: q_proj without q LoRA, YaRN and its mscale on the full block only, unnormalised scaled router") {
    check_family("vaetki_qproj_yarn", "VaetkiForCausalLM");
}
TEST_CASE("Gemma 3 vision-language wrapper: google/gemma-3-4b-it's sparse text_config and the caps it ignores") {
    // The published config.json names a few sizes in text_config; transformers' Gemma3TextConfig
    // defaults give the rest (8 heads, 4 kv heads, head_dim 256, vocab 262208, pattern 6).
    const auto wrapper = weights::ModelConfig::from_json(JsonValue::parse(R"({
        "architectures": ["Gemma3ForConditionalGeneration"], "model_type": "gemma3", "torch_dtype": "bfloat16",
        "boi_token_index": 255999, "eoi_token_index": 256000, "image_token_index": 262144, "mm_tokens_per_image": 256,
        "text_config": {"hidden_size": 2560, "intermediate_size": 10240, "model_type": "gemma3_text",
                        "num_hidden_layers": 34, "rope_scaling": {"factor": 8.0, "rope_type": "linear"},
                        "sliding_window": 1024, "final_logit_softcapping": 30.0, "attn_logit_softcapping": 50.0},
        "vision_config": {"hidden_size": 1152, "image_size": 896, "intermediate_size": 4304,
                          "model_type": "siglip_vision_model", "num_attention_heads": 16, "num_hidden_layers": 27,
                          "patch_size": 14, "vision_use_head": false}})", "t"), "t");
    CHECK(wrapper.hidden_size == 2560);
    CHECK(wrapper.num_layers == 34);
    CHECK(wrapper.num_heads == 8);
    CHECK(wrapper.num_kv_heads == 4);
    CHECK(wrapper.head_dim == 256);
    CHECK(wrapper.vocab_size == 262208);
    CHECK(wrapper.tie_word_embeddings);
    const weights::ModelConfig lm = language_model_config(wrapper);
    const auto sliding = sliding_layers_by_type_or_pattern(lm, 34, "t");
    for (std::size_t i = 0; i < 34; ++i) CHECK(sliding[i] == ((i + 1) % 6 != 0));
    const FamilyTraits& traits = family_traits(wrapper);
    const LayerRopes r = layer_ropes(lm, traits, 256, sliding, "t");
    REQUIRE(r.ropes.size() == 2);
    CHECK(r.ropes[0].type() == "linear");
    CHECK(r.ropes[0].inv_freq(1)[1] == doctest::Approx(1.0 / std::pow(1e6, 2.0 / 256) / 8.0));
    CHECK(r.ropes[1].inv_freq(1)[1] == doctest::Approx(1.0 / std::pow(1e4, 2.0 / 256)));
    // The wrapper's lm_head output is never capped; Gemma3ForCausalLM caps it; neither caps attention.
    const FamilyScalars s = resolve_family_scalars(traits, wrapper, 256, "t");
    CHECK(s.final_softcap == 0.0f);
    CHECK(s.attn_softcap == 0.0f);
    CHECK(s.attention_scale == doctest::Approx(1.0 / 16));
    CHECK(s.embed_scale == round_to_dtype(std::sqrt(2560.0f), "bfloat16"));
    const FamilyScalars causal = resolve_family_scalars(family_traits("Gemma3ForCausalLM"), wrapper, 256, "t");
    CHECK(causal.final_softcap == 30.0f);
    CHECK(causal.attn_softcap == 0.0f);
}
TEST_CASE("GPT-2: learned positions, LayerNorm, Conv1D [in, out] storage, fused c_attn") {
    check_family("gpt2_conv1d", "GPT2LMHeadModel");
}
TEST_CASE("GPT-NeoX (Polyglot-Ko): parallel residual, per-head fused qkv, rotary on 50%") {
    check_family("gpt_neox_parallel", "GPTNeoXForCausalLM");
}
TEST_CASE("GPT-J (KoGPT): one norm, parallel residual, interleaved partial rotary, lm_head bias") {
    check_family("gptj_interleaved", "GPTJForCausalLM");
}
