// Binds a checkpoint's tensors to the slots of the reference transformer by role (through
// weights::classify_tensor, never by hard-coded names) and checks every shape against config.json.
// The binding holds views only; `load_layer` converts one block's weights to fp32 on the backend
// (the layer-streaming forward loads one block, uses it for the whole batch and drops it).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "reference_model/architecture/architecture.h"
#include "reference_model/backend/backend.h"
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
    Tensor q, k, v, o;                     // [H·hd, hidden], [Hkv·hd, hidden] x2, [hidden, H·hd]
    Tensor q_bias, k_bias, v_bias, o_bias; // [H·hd], [Hkv·hd] x2, [hidden]
    Tensor q_norm, k_norm;                 // [head_dim] (Qwen3)
    Tensor gate, up, down;                 // [I, hidden] x2, [hidden, I]
    Tensor gate_bias, up_bias, down_bias;  // mlp_bias
    std::size_t bytes() const;
};

class ModelWeights {
public:
    // Throws InputError "<root>: tensor 'name': ..." for a missing tensor or a shape that does not
    // match config.json.
    ModelWeights(const weights::Checkpoint& checkpoint, const ArchitectureSpec& spec, const ModelDims& dims,
                 bool tie_word_embeddings, bool mlp_bias);

    // Host views of the embedding table [vocab, hidden] and lm_head [vocab, hidden] (the same
    // tensor when tied), in their stored dtypes.
    Tensor embedding_view() const;
    Tensor lm_head_view() const;
    Tensor final_norm_view() const;
    // Block `layer` converted to fp32 on `backend`.
    LayerWeights load_layer(Backend& backend, std::int64_t layer) const;

private:
    struct LayerSlots {
        const weights::TensorInfo *attn_norm = nullptr, *mlp_norm = nullptr;
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
};

// A host view of a stored tensor (valid while its Checkpoint lives).
Tensor view_of(const weights::TensorInfo& info);

}  // namespace lineage::model
