// The routers, block rules and config checks of the MoE/MLA table on hand-made inputs: softmax
// top-k with and without renormalisation; the grouped sigmoid router choosing groups by the sum of
// their top-2 biased scores, experts with the bias and weights without it, times the scaling
// factor; which blocks are sparse for each rule; and the InputErrors for configs and checkpoints
// that do not fit (too many experts chosen, groups that do not divide, fewer experts than
// configured).
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "reference_model/architecture/mixture_spec.h"
#include "reference_model/backend/backend.h"
#include "reference_model/model/moe_block.h"
#include "reference_model/model/transformer.h"
#include "weights/checkpoint.h"
#include "weights/core/error.h"
#include "weights/core/json_value.h"
#include "weights/model_config.h"
#include "weights/tensor_roles.h"

using namespace lineage;
using namespace lineage::model;

namespace {

weights::ModelConfig config(const std::string& json) {
    return weights::ModelConfig::from_json(JsonValue::parse(json, "test"), "test");
}

float sigmoid(float x) {
    return 1.0f / (1.0f + std::exp(-x));
}

}  // namespace

TEST_CASE("softmax top-k router: chosen experts, with and without renormalisation") {
    const MixtureSpec& spec = *find_mixture("Qwen2MoeForCausalLM");
    MixtureParams p = resolve_mixture(spec, config(R"({"num_experts": 4, "num_experts_per_tok": 2,
        "moe_intermediate_size": 8, "shared_expert_intermediate_size": 8})"),
                                      2, "test");
    CHECK_FALSE(p.renormalize);  // Qwen2-MoE default
    const float logits[4] = {1.0f, 2.0f, 3.0f, 0.0f};
    const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0) + 1.0;
    Route r = route_token(logits, p, {0, 0, 0, 0});
    REQUIRE(r.experts == std::vector<std::int64_t>{2, 1});
    CHECK(r.weights[0] == doctest::Approx(std::exp(3.0) / z));
    CHECK(r.weights[1] == doctest::Approx(std::exp(2.0) / z));
    p.renormalize = true;
    r = route_token(logits, p, {0, 0, 0, 0});
    CHECK(r.weights[0] + r.weights[1] == doctest::Approx(1.0));
    CHECK(r.weights[0] == doctest::Approx(std::exp(3.0) / (std::exp(3.0) + std::exp(2.0))));
    // Mixtral renormalises without a norm_topk_prob key.
    CHECK(
        resolve_mixture(
            *find_mixture("MixtralForCausalLM"),
            config(R"({"num_local_experts": 4, "num_experts_per_tok": 2, "intermediate_size": 8})"),
            2, "test")
            .renormalize);
}

TEST_CASE(
    "grouped sigmoid router: groups by top-2 sums, experts by biased score, weights unbiased") {
    const MixtureSpec& spec = *find_mixture("DeepseekV3ForCausalLM");
    const MixtureParams p =
        resolve_mixture(spec, config(R"({"n_routed_experts": 8, "num_experts_per_tok": 2,
        "moe_intermediate_size": 8, "n_shared_experts": 1, "n_group": 4, "topk_group": 2,
        "routed_scaling_factor": 2.5, "norm_topk_prob": true, "first_k_dense_replace": 1,
        "kv_lora_rank": 8, "qk_rope_head_dim": 4, "qk_nope_head_dim": 4, "v_head_dim": 4})"),
                        3, "test");
    CHECK(p.sparse == std::vector<bool>{false, true, true});
    CHECK(p.shared_intermediate == 8);
    // Groups {0,1} {2,3} {4,5} {6,7}. Expert 0 has the largest single score, but group 0's top-2
    // sum is the smallest, so it is never chosen; the bias lifts expert 5 above expert 4.
    const float logits[8] = {3.0f, -3.0f, 1.0f, 1.0f, 0.5f, 0.4f, 1.2f, 0.9f};
    const std::vector<float> bias{0, 0, 0, 0, 0, 0.2f, 0, 0};
    const Route r = route_token(logits, p, bias);
    // biased group sums: g0 0.953+0.047=1.0, g1 0.731+0.731=1.462, g2 0.622+0.799=1.421, g3
    // 0.769+0.711=1.480 kept groups g3, g1; best biased experts there: 6 (0.769) and 2 or 3 (0.731,
    // lower index first).
    REQUIRE(r.experts.size() == 2);
    CHECK(r.experts[0] == 6);
    CHECK(r.experts[1] == 2);
    const float s6 = sigmoid(1.2f), s2 = sigmoid(1.0f);
    CHECK(r.weights[0] == doctest::Approx(2.5 * s6 / (s6 + s2)));
    CHECK(r.weights[1] == doctest::Approx(2.5 * s2 / (s6 + s2)));
    // With a large bias, group 2 wins and expert 5 is chosen, but weighted by its unbiased score.
    const std::vector<float> big{0, 0, 0, 0, 0, 1.0f, 0, 0};
    const Route r2 = route_token(logits, p, big);
    CHECK(r2.experts[0] == 5);
    const float s5 = sigmoid(0.4f);
    CHECK(r2.weights[0] ==
          doctest::Approx(2.5 * s5 / (s5 + sigmoid(r2.experts[1] == 6 ? 1.2f : 1.0f))));
}

TEST_CASE("sparse block rules: Qwen step and mlp_only_layers, EXAONE mlp_layer_types, all layers") {
    const auto qwen = resolve_mixture(
        *find_mixture("Qwen3MoeForCausalLM"),
        config(R"({"num_experts": 4, "num_experts_per_tok": 1, "moe_intermediate_size": 8,
                                                 "decoder_sparse_step": 2, "mlp_only_layers": [3]})"),
        4, "test");
    CHECK(qwen.sparse == std::vector<bool>{false, true, false, false});
    const auto exaone = resolve_mixture(
        *find_mixture("ExaoneMoeForCausalLM"),
        config(R"({"num_experts": 4, "num_experts_per_tok": 1, "moe_intermediate_size": 8,
                                                   "mlp_layer_types": ["dense", "sparse", "dense"]})"),
        3, "test");
    CHECK(exaone.sparse == std::vector<bool>{false, true, false});
    const auto solar = resolve_mixture(
        *find_mixture("SolarOpenForCausalLM"),
        config(R"({"n_routed_experts": 4, "num_experts_per_tok": 1, "moe_intermediate_size": 8})"),
        2, "test");
    CHECK(solar.sparse == std::vector<bool>{true, true});
    CHECK(find_mixture("LlamaForCausalLM") == nullptr);
}

TEST_CASE("MoE configs that do not fit are rejected") {
    const MixtureSpec& deepseek = *find_mixture("DeepseekV3ForCausalLM");
    CHECK_THROWS_AS(
        resolve_mixture(
            *find_mixture("MixtralForCausalLM"),
            config(R"({"num_local_experts": 2, "num_experts_per_tok": 3, "intermediate_size": 8})"),
            2, "test"),
        InputError);
    CHECK_THROWS_AS(
        resolve_mixture(deepseek, config(R"({"n_routed_experts": 6, "num_experts_per_tok": 2,
        "moe_intermediate_size": 8, "n_group": 4, "topk_group": 2, "kv_lora_rank": 8, "qk_rope_head_dim": 4,
        "qk_nope_head_dim": 4, "v_head_dim": 4})"),
                        2, "test"),
        InputError);
    CHECK_THROWS_AS(
        resolve_mixture(deepseek, config(R"({"n_routed_experts": 8, "num_experts_per_tok": 2,
        "moe_intermediate_size": 8, "kv_lora_rank": 8, "qk_rope_head_dim": 3, "qk_nope_head_dim": 4, "v_head_dim": 4})"),
                        2, "test"),
        InputError);
}

TEST_CASE("a checkpoint with fewer experts than config.json says is rejected, naming the tensor") {
    namespace fs = std::filesystem;
    const fs::path src = fs::path(LINEAGE_SOURCE_DIR) / "tests/data/models_moe/qwen3_moe";
    const fs::path dir = fs::temp_directory_path() / "lineage_moe_router_test";
    fs::remove_all(dir);
    fs::create_directories(dir);
    fs::copy_file(src / "model.safetensors", dir / "model.safetensors");
    JsonValue cfg = JsonValue::parse_file((src / "config.json").string());
    cfg.set("num_experts", JsonValue(std::int64_t{5}));
    std::ofstream(dir / "config.json") << cfg.dump(2);
    auto ckpt = weights::Checkpoint::open(dir.string());
    auto backend = make_cpu_backend();
    try {
        Transformer tf(ckpt, *backend);
        FAIL("expected an InputError");
    } catch (const InputError& e) {
        const std::string what = e.what();
        CHECK(what.find("mlp.gate.weight") != std::string::npos);  // the router has 4 rows, not 5
        CHECK(what.find("expected [5, 32]") != std::string::npos);
    }
    fs::remove_all(dir);
}

TEST_CASE("MoE/MLA tensor names classify to the roles the binding expects") {
    using weights::Role;
    const auto r =
        weights::classify_tensor("model.layers.3.mlp.e_score_correction_bias");  // EXAONE MoE
    CHECK(r.role == Role::router_bias);
    CHECK(r.layer == 3);
    CHECK(weights::classify_tensor("model.layers.1.mlp.gate.e_score_correction_bias").role ==
          Role::router_bias);
    CHECK(weights::classify_tensor("model.layers.0.block_sparse_moe.experts.2.w3.weight").role ==
          Role::expert_up);
    CHECK(weights::classify_tensor("model.layers.0.block_sparse_moe.experts.2.w3.weight").expert ==
          2);
    CHECK(weights::classify_tensor("model.layers.0.mlp.experts.gate_up_proj").role ==
          Role::expert_gate_up);
    CHECK(weights::classify_tensor("model.layers.0.mlp.shared_expert_gate.weight").role ==
          Role::shared_expert_router);
    CHECK(weights::classify_tensor("model.layers.0.self_attn.kv_a_proj_with_mqa.weight").role ==
          Role::kv_a_proj);
    // VAETKI's sandwich norms: the pre-MLP norm, and a post-MLP norm that turns
    // post_attention_layernorm into a post-attention norm.
    CHECK(weights::classify_tensor("model.layers.0.pre_mlp_layernorm.weight").role ==
          Role::mlp_norm);
    CHECK(weights::classify_tensor("model.layers.0.post_mlp_layernorm.weight").role ==
          Role::post_mlp_norm);
}
