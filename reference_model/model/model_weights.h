// Binds a checkpoint's tensors to the slots of the reference transformer by role (through
// weights::classify_tensor, never by hard-coded names) and checks every shape against config.json.
// The binding holds views only; `load_layer` converts one block's weights to fp32 on the backend
// (the layer-streaming forward loads one block, uses it for the whole batch and drops it).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "reference_model/architecture/architecture.h"
#include "reference_model/architecture/family_traits.h"
#include "reference_model/architecture/mixture_spec.h"
#include "reference_model/backend/backend.h"
#include "reference_model/model/latent_attention.h"
#include "reference_model/model/moe_block.h"
#include "weights/checkpoint.h"

namespace lineage::model {

// Model dimensions after config defaults, checked against the tensors.
struct ModelDims {
    std::int64_t hidden = 0, layers = 0, heads = 0, kv_heads = 0, head_dim = 0, intermediate = 0, vocab = 0;
    std::int64_t max_positions = 0;
    float norm_eps = 1e-6f;
};

// One block's weights in fp32 on the backend. Optional ones are undefined tensors.
struct LayerWeights {
    Tensor attn_norm, mlp_norm;            // [hidden]
    Tensor post_attn_norm, post_mlp_norm;  // [hidden] sandwich / post norms (family_traits.h)
    Tensor attn_norm_bias, mlp_norm_bias;  // [hidden] LayerNorm biases (GPT lineage)
    Tensor q, k, v, o;                     // [H·hd, hidden], [Hkv·hd, hidden] x2, [hidden, H·hd]
    Tensor q_bias, k_bias, v_bias, o_bias; // [H·hd], [Hkv·hd] x2, [hidden]
    Tensor q_norm, k_norm;                 // [head_dim] (Qwen3)
    Tensor gate, up, down;                 // [I, hidden] x2, [hidden, I]
    Tensor gate_bias, up_bias, down_bias;  // mlp_bias
    // MoE / MLA families (mixture_spec.h): a routed block replaces gate/up/down; latent attention
    // replaces q/k/v, and o is then its zero-padded o_proj.
    std::shared_ptr<const MoeLayerWeights> moe;
    std::shared_ptr<const LatentWeights> latent;
    std::size_t bytes() const;
};

class ModelWeights {
public:
    // Throws InputError "<root>: tensor 'name': ..." for a missing tensor or a shape that does not
    // match config.json.
    // `mixture` (MoE / MLA families) binds routers, experts and latent projections as well.
    ModelWeights(const weights::Checkpoint& checkpoint, const ArchitectureSpec& spec, const ModelDims& dims,
                 bool tie_word_embeddings, bool mlp_bias, const MixtureParams* mixture = nullptr);

    // Host views of the embedding table [vocab, hidden] and lm_head [vocab, hidden] (the same
    // tensor when tied), in their stored dtypes.
    Tensor embedding_view() const;
    Tensor lm_head_view() const;
    Tensor final_norm_view() const;
    // Undefined tensors when the family has none: learned positions [max_positions, hidden]
    // (GPT-2), the final LayerNorm's bias [hidden], lm_head's bias [vocab] (GPT-J).
    Tensor position_embedding_view() const;
    Tensor final_norm_bias_view() const;
    Tensor lm_head_bias_view() const;
    // Block `layer` converted to fp32 on `backend`.
    LayerWeights load_layer(Backend& backend, std::int64_t layer) const;

private:
    struct LayerSlots {
        const weights::TensorInfo *attn_norm = nullptr, *mlp_norm = nullptr;
        const weights::TensorInfo *post_attn_norm = nullptr, *post_mlp_norm = nullptr;
        const weights::TensorInfo *qkv = nullptr, *gate_up = nullptr;  // fused, split into q/k/v, gate/up
        const weights::TensorInfo *qkv_bias = nullptr, *attn_norm_bias = nullptr, *mlp_norm_bias = nullptr;
        const weights::TensorInfo *q = nullptr, *k = nullptr, *v = nullptr, *o = nullptr;
        const weights::TensorInfo *q_bias = nullptr, *k_bias = nullptr, *v_bias = nullptr, *o_bias = nullptr;
        const weights::TensorInfo *q_norm = nullptr, *k_norm = nullptr;
        const weights::TensorInfo *gate = nullptr, *up = nullptr, *down = nullptr;
        const weights::TensorInfo *gate_bias = nullptr, *up_bias = nullptr, *down_bias = nullptr;
    };
    const weights::TensorInfo* embedding_ = nullptr;
    const weights::TensorInfo* lm_head_ = nullptr;
    const weights::TensorInfo* final_norm_ = nullptr;
    std::vector<LayerSlots> layers_;
    std::deque<weights::TensorInfo> fused_parts_;  // row views of fused tensors (stable addresses)
    // GPT lineage: learned positions, LayerNorm/lm_head biases, layouts rearranged on load.
    const weights::TensorInfo* position_embedding_ = nullptr;
    const weights::TensorInfo* final_norm_bias_ = nullptr;
    const weights::TensorInfo* lm_head_bias_ = nullptr;
    bool conv1d_ = false;           // matrices stored [in, out]
    bool split_qkv_on_load_ = false;
    QkvLayout qkv_layout_ = QkvLayout::separate;
    std::int64_t split_heads_ = 0, split_kv_heads_ = 0, split_head_dim_ = 0;
    std::optional<MixtureParams> mixture_;
    std::vector<MoeLayerSlots> moe_;
    std::vector<LatentSlots> latent_;
    std::int64_t heads_ = 0;
};

// A host view of a stored tensor (valid while its Checkpoint lives).
Tensor view_of(const weights::TensorInfo& info);

}  // namespace lineage::model
