// Tensor roles across the naming conventions of the supported families.
#include <doctest/doctest.h>

#include "weights/tensor_roles.h"

using namespace lineage::weights;

namespace {
void check(std::string_view name, Role role, int layer = -1, int expert = -1, bool bias = false) {
    const auto r = classify_tensor(name);
    INFO(name);
    CHECK(role_name(r.role) == role_name(role));
    CHECK(r.layer == layer);
    CHECK(r.expert == expert);
    CHECK(r.is_bias == bias);
}
}  // namespace

TEST_CASE("Llama / Mistral / Qwen names") {
    check("model.embed_tokens.weight", Role::token_embedding);
    check("model.layers.0.self_attn.q_proj.weight", Role::q_proj, 0);
    check("model.layers.11.self_attn.k_proj.bias", Role::k_proj, 11, -1, true);
    check("model.layers.3.self_attn.v_proj.weight", Role::v_proj, 3);
    check("model.layers.3.self_attn.o_proj.weight", Role::o_proj, 3);
    check("model.layers.2.self_attn.q_norm.weight", Role::q_norm, 2);
    check("model.layers.2.self_attn.k_norm.weight", Role::k_norm, 2);
    check("model.layers.4.mlp.gate_proj.weight", Role::mlp_gate, 4);
    check("model.layers.4.mlp.up_proj.weight", Role::mlp_up, 4);
    check("model.layers.4.mlp.down_proj.weight", Role::mlp_down, 4);
    check("model.layers.4.input_layernorm.weight", Role::attn_norm, 4);
    check("model.layers.4.post_attention_layernorm.weight", Role::mlp_norm, 4);
    check("model.norm.weight", Role::final_norm);
    check("lm_head.weight", Role::lm_head);
    CHECK(classify_tensor("model.layers.0.self_attn.q_proj.weight").component == Component::attention);
    CHECK(classify_tensor("model.norm.weight").component == Component::norms);
}

TEST_CASE("MoE experts, routers and shared experts") {
    check("model.layers.1.mlp.experts.7.down_proj.weight", Role::expert_down, 1, 7);
    check("model.layers.1.mlp.experts.0.gate_proj.weight", Role::expert_gate, 1, 0);
    check("model.layers.1.block_sparse_moe.experts.3.w1.weight", Role::expert_gate, 1, 3);
    check("model.layers.1.block_sparse_moe.experts.3.w2.weight", Role::expert_down, 1, 3);
    check("model.layers.1.block_sparse_moe.gate.weight", Role::router, 1);
    check("model.layers.1.mlp.gate.weight", Role::router, 1);
    check("model.layers.1.mlp.gate.e_score_correction_bias", Role::router_bias, 1);
    check("model.layers.1.mlp.experts.gate_up_proj", Role::expert_gate_up, 1);
    check("model.layers.1.mlp.experts.gate_up_proj_bias", Role::expert_gate_up, 1, -1, true);
    check("model.layers.1.mlp.shared_expert.up_proj.weight", Role::shared_expert_up, 1);
    check("model.layers.1.mlp.shared_experts.down_proj.weight", Role::shared_expert_down, 1);
    check("model.layers.1.mlp.shared_expert_gate.weight", Role::shared_expert_router, 1);
    CHECK(classify_tensor("model.layers.1.mlp.experts.7.down_proj.weight").component == Component::experts);
}

TEST_CASE("DeepSeek MLA, Phi-3, GPT-2, GPT-NeoX, GPT-J, EXAONE") {
    check("model.layers.0.self_attn.kv_a_proj_with_mqa.weight", Role::kv_a_proj, 0);
    check("model.layers.0.self_attn.kv_a_layernorm.weight", Role::kv_a_norm, 0);
    check("model.layers.0.self_attn.q_b_proj.weight", Role::q_b_proj, 0);
    check("model.layers.5.self_attn.qkv_proj.weight", Role::qkv_proj, 5);
    check("model.layers.5.mlp.gate_up_proj.weight", Role::mlp_gate_up, 5);
    check("transformer.wte.weight", Role::token_embedding);
    check("transformer.wpe.weight", Role::position_embedding);
    check("transformer.h.0.attn.c_attn.weight", Role::qkv_proj, 0);
    check("transformer.h.0.attn.c_proj.bias", Role::o_proj, 0, -1, true);
    check("transformer.h.0.mlp.c_fc.weight", Role::mlp_up, 0);
    check("transformer.h.0.ln_1.weight", Role::attn_norm, 0);
    check("transformer.ln_f.weight", Role::final_norm);
    check("gpt_neox.embed_in.weight", Role::token_embedding);
    check("gpt_neox.layers.2.attention.query_key_value.weight", Role::qkv_proj, 2);
    check("gpt_neox.layers.2.mlp.dense_4h_to_h.weight", Role::mlp_down, 2);
    check("gpt_neox.final_layer_norm.weight", Role::final_norm);
    check("embed_out.weight", Role::lm_head);
    check("transformer.h.1.attn.out_proj.weight", Role::o_proj, 1);
    check("transformer.h.1.mlp.fc_in.weight", Role::mlp_up, 1);
    check("transformer.h.1.attn.attention.q_proj.weight", Role::q_proj, 1);
    check("transformer.h.1.attn.attention.out_proj.weight", Role::o_proj, 1);
    check("transformer.h.1.mlp.c_fc_0.weight", Role::mlp_gate, 1);
    check("transformer.h.1.mlp.c_fc_1.weight", Role::mlp_up, 1);
    check("transformer.h.1.mlp.c_proj.weight", Role::mlp_down, 1);
}

TEST_CASE("Gemma sandwich norms are resolved with the other names of the block") {
    std::vector<TensorInfo> t(3);
    t[0].name = "model.layers.0.post_attention_layernorm.weight";
    t[1].name = "model.layers.0.pre_feedforward_layernorm.weight";
    t[2].name = "model.layers.0.post_feedforward_layernorm.weight";
    const auto roles = classify_tensors(t);
    CHECK(roles[0].role == Role::post_attn_norm);
    CHECK(roles[1].role == Role::mlp_norm);
    CHECK(roles[2].role == Role::post_mlp_norm);
}

TEST_CASE("vision towers and projectors") {
    const auto v = classify_tensor("visual.blocks.0.attn.qkv.weight");
    CHECK(v.role == Role::vision);
    CHECK(v.tower == "vision");
    CHECK(classify_tensor("model.vision_tower.encoder.layers.0.mlp.fc1.weight").component == Component::vision);
    CHECK(classify_tensor("vision_model.embeddings.patch_embedding.weight").role == Role::vision);
    CHECK(classify_tensor("multi_modal_projector.linear_1.weight").role == Role::projector);
    CHECK(classify_tensor("model.mm_projector.0.weight").component == Component::projector);
    CHECK(classify_tensor("visual.merger.mlp.0.weight").role == Role::projector);
    CHECK(classify_tensor("something.unknown").role == Role::other);
    CHECK(classify_tensor("model.layers.0.rotary_emb.inv_freq").layer == 0);
}
