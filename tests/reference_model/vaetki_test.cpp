// VAETKI's table rows on hand-made configs (the forward against the assembled goldens is in
// family_fixtures_test.cpp): which blocks are MoE (first_k_dense_replace and moe_layer_freq, all
// dense without n_routed_experts), the ungrouped sigmoid router that ignores n_group, the (1+w)
// latent norms with rms_norm_eps, YaRN's mscale on full blocks only, the two RoPE bases under
// VAETKI's keys with the /8 frequencies of unscaled full blocks, and the sandwich norm roles.
// Facts from the official vLLM plugin (github.com/wbl-ncai/VAETKI, vllm_plugin/vaetki/model.py).
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "reference_model/architecture/family_traits.h"
#include "reference_model/architecture/layer_rope.h"
#include "reference_model/architecture/mixture_spec.h"
#include "reference_model/model/moe_block.h"
#include "weights/core/json_value.h"
#include "weights/model_config.h"
#include "weights/core/tensor_info.h"
#include "weights/tensor_roles.h"

using namespace lineage;
using namespace lineage::model;

namespace {

weights::ModelConfig vaetki(const std::string& extra) {
    const std::string json = R"({"architectures": ["VaetkiForCausalLM"], "model_type": "vaetki",
        "hidden_size": 32, "num_hidden_layers": 6, "num_attention_heads": 4, "rms_norm_eps": 1e-5,
        "q_lora_rank": 16, "kv_lora_rank": 12, "qk_nope_head_dim": 8, "qk_rope_head_dim": 4, "v_head_dim": 6,
        "moe_intermediate_size": 8, "n_shared_experts": 1, "num_experts_per_tok": 2)" +
                             extra + "}";
    return weights::ModelConfig::from_json(JsonValue::parse(json, "test"), "test");
}

}  // namespace

TEST_CASE("VAETKI: MoE blocks from first_k_dense_replace and moe_layer_freq; dense without experts") {
    const MixtureSpec* spec = find_mixture("VaetkiForCausalLM");
    REQUIRE(spec);
    const auto c = vaetki(R"(, "n_routed_experts": 4, "first_k_dense_replace": 1, "moe_layer_freq": 2)");
    const MixtureParams p = resolve_mixture(*spec, c, 6, "test");
    CHECK(p.sparse == std::vector<bool>{false, false, true, false, true, false});
    CHECK(p.shared_intermediate == 8);
    CHECK(p.renormalize);
    const MixtureParams dense = resolve_mixture(*spec, vaetki(R"(, "n_routed_experts": null)"), 6, "test");
    CHECK(dense.sparse == std::vector<bool>(6, false));
    CHECK(dense.shared_intermediate == 0);
    CHECK_THROWS(resolve_mixture(*spec, vaetki(R"(, "n_routed_experts": 4, "moe_layer_freq": 0)"), 6, "test"));
}

TEST_CASE("VAETKI: the router takes the top-k sigmoid scores over all experts, whatever n_group says") {
    const MixtureSpec* spec = find_mixture("VaetkiForCausalLM");
    REQUIRE(spec);
    const auto c = vaetki(R"(, "n_routed_experts": 4, "n_group": 2, "topk_group": 1, "routed_scaling_factor": 2.0,
        "norm_topk_prob": false)");
    const MixtureParams p = resolve_mixture(*spec, c, 6, "test");
    CHECK(p.groups == 1);
    // Grouped by two, the second group (2.9, 2.8) would win; ungrouped, experts 0 and 2 do.
    const float logits[] = {3.0f, -5.0f, 2.9f, 2.8f};
    const Route r = route_token(logits, p, std::vector<float>(4, 0.0f));
    REQUIRE(r.experts.size() == 2);
    CHECK(r.experts[0] == 0);
    CHECK(r.experts[1] == 2);
    CHECK(r.weights[0] == doctest::Approx(2.0 / (1.0 + std::exp(-3.0))));
    CHECK(r.weights[1] == doctest::Approx(2.0 / (1.0 + std::exp(-2.9))));
}

TEST_CASE("VAETKI: (1+w) latent norms with rms_norm_eps; YaRN mscale on full blocks only") {
    const MixtureSpec* spec = find_mixture("VaetkiForCausalLM");
    REQUIRE(spec);
    const MixtureParams plain = resolve_mixture(*spec, vaetki(R"(, "n_routed_experts": 4)"), 6, "test");
    CHECK(plain.latent_norm_plus_one);
    CHECK(plain.latent_norm_eps == doctest::Approx(1e-5));
    CHECK(plain.attention_scale == doctest::Approx(1.0 / std::sqrt(12.0)));
    const MixtureParams yarn = resolve_mixture(
        *spec,
        vaetki(R"(, "n_routed_experts": 4, "rope_scaling": {"rope_type": "yarn", "factor": 4.0,
            "original_max_position_embeddings": 64, "mscale": 1.0, "mscale_all_dim": 1.0})"),
        6, "test");
    const double m = 0.1 * std::log(4.0) + 1.0;
    CHECK(yarn.attention_scale == doctest::Approx(m * m / std::sqrt(12.0)));
    CHECK(yarn.sliding_attention_scale == doctest::Approx(1.0 / std::sqrt(12.0)));
    // DeepSeek keeps DeepseekV3RMSNorm's (w, 1e-6) and one scale for every block.
    const MixtureParams ds = resolve_mixture(
        *find_mixture("DeepseekV3ForCausalLM"),
        vaetki(R"(, "n_routed_experts": 4, "rope_scaling": {"rope_type": "yarn", "factor": 4.0,
            "original_max_position_embeddings": 64, "mscale": 1.0, "mscale_all_dim": 1.0})"),
        6, "test");
    CHECK_FALSE(ds.latent_norm_plus_one);
    CHECK(ds.sliding_attention_scale == 0.0f);
}

TEST_CASE("VAETKI: sliding blocks rotate with rope_theta, full ones with rope_theta_global / 8 or rope_scaling") {
    const FamilyTraits& t = family_traits("VaetkiForCausalLM");
    const std::vector<bool> sliding{true, false};
    const auto c = vaetki(R"(, "rope_theta": 5000.0, "rope_theta_global": 2000000.0, "rope_scaling": null,
        "max_position_embeddings": 128)");
    const LayerRopes r = layer_ropes(c, t, 4, sliding, "test");
    REQUIRE(r.ropes.size() == 2);
    CHECK(r.of_layer == std::vector<std::size_t>{1, 0});
    CHECK(r.ropes[0].type() == "linear");
    CHECK(r.ropes[0].inv_freq(1)[1] == doctest::Approx(1.0 / std::sqrt(2e6) / 8.0));
    CHECK(r.ropes[1].type() == "default");
    CHECK(r.ropes[1].inv_freq(1)[1] == doctest::Approx(1.0 / std::sqrt(5000.0)));
    // Bases absent: the plugin's defaults (1e4 sliding, 1e6 full).
    const LayerRopes d = layer_ropes(vaetki(R"(, "max_position_embeddings": 128)"), t, 4, sliding, "test");
    CHECK(d.ropes[0].inv_freq(1)[1] == doctest::Approx(1.0 / std::sqrt(1e6) / 8.0));
    CHECK(d.ropes[1].inv_freq(1)[1] == doctest::Approx(1.0 / std::sqrt(1e4)));
    // With rope_scaling, full blocks take it (and the sliding ones still do not).
    const LayerRopes y = layer_ropes(
        vaetki(R"(, "max_position_embeddings": 256, "rope_scaling": {"rope_type": "yarn", "factor": 4.0,
            "original_max_position_embeddings": 64})"),
        t, 4, sliding, "test");
    CHECK(y.ropes[0].type() == "yarn");
    CHECK(y.ropes[1].type() == "default");
}

TEST_CASE("VAETKI: post_attention_layernorm is a post-attention norm beside pre/post_mlp_layernorm") {
    std::vector<weights::TensorInfo> tensors(4);
    const char* names[] = {"model.layers.0.input_layernorm.weight", "model.layers.0.post_attention_layernorm.weight",
                           "model.layers.0.pre_mlp_layernorm.weight", "model.layers.0.post_mlp_layernorm.weight"};
    for (int i = 0; i < 4; ++i) tensors[static_cast<std::size_t>(i)].name = names[i];
    const auto roles = weights::classify_tensors(tensors);
    CHECK(roles[0].role == weights::Role::attn_norm);
    CHECK(roles[1].role == weights::Role::post_attn_norm);
    CHECK(roles[2].role == weights::Role::mlp_norm);
    CHECK(roles[3].role == weights::Role::post_mlp_norm);
    // Llama's post_attention_layernorm stays the pre-MLP norm.
    std::vector<weights::TensorInfo> llama(1);
    llama[0].name = "model.layers.0.post_attention_layernorm.weight";
    CHECK(weights::classify_tensors(llama)[0].role == weights::Role::mlp_norm);
}
