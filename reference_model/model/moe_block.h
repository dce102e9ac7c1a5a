// The routed mixture-of-experts feed-forward block: binding of its tensors (router, correction
// bias, experts stored one tensor per expert or fused into 3-D tensors, shared experts), shape
// checks against config.json, conversion to fp32 on a backend, and the forward pass
//   out = Σ_{e chosen for the token} w_e · down_e(act(gate_e(h)) · up_e(h))  (+ shared expert)
// with the router of the family (MixtureParams). The routing itself (top-k of a few scores per
// token) runs on the host; the expert matmuls run on the backend over the tokens routed to each
// expert. Mirrors the *SparseMoeBlock / *MoE modules of transformers 5.23 (see mixture_spec.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "reference_model/architecture/mixture_spec.h"
#include "reference_model/backend/backend.h"
#include "weights/core/tensor_info.h"
#include "weights/tensor_roles.h"

namespace lineage::model {

// One gated MLP in fp32 on a backend: gate/up [I, hidden], down [hidden, I].
struct GatedMlpWeights {
    Tensor gate, up, down;
};

// One MoE block's weights in fp32 on a backend.
struct MoeLayerWeights {
    Tensor router;                       // [experts, hidden]
    std::vector<float> correction_bias;  // [experts] (sigmoid routers; zeros when absent)
    std::vector<GatedMlpWeights> experts;
    GatedMlpWeights shared;  // undefined tensors when there is none
    Tensor shared_gate;      // [1, hidden] (sigmoid-gated shared expert)
    std::size_t bytes() const;
};

// The stored tensors of one MoE block (views into the checkpoint).
class MoeLayerSlots {
  public:
    // Takes `t` if its role belongs to a MoE block; false otherwise. Throws InputError for a
    // duplicate role or an expert index out of range.
    bool bind(const weights::TensorRole& role, const weights::TensorInfo& t, std::int64_t experts,
              const std::string& root);
    // Checks presence and shapes against `p` (block `layer`); throws InputError naming the tensor.
    void check(const MixtureParams& p, std::int64_t hidden, std::int64_t layer,
               const std::string& root) const;
    // True when any MoE tensor was bound (a dense block must have none).
    bool any() const;
    const weights::TensorInfo* first() const;
    MoeLayerWeights load(Backend& backend, const MixtureParams& p) const;

  private:
    struct Expert {
        const weights::TensorInfo *gate = nullptr, *up = nullptr, *down = nullptr;
    };
    const weights::TensorInfo *router_ = nullptr, *router_bias_ = nullptr;
    std::vector<Expert> experts_;
    // Fused 3-D: gate_up [E, 2I, hidden] (gate rows first), or gate/up [E, I, hidden]; down [E,
    // hidden, I].
    const weights::TensorInfo *fused_gate_up_ = nullptr, *fused_gate_ = nullptr,
                              *fused_up_ = nullptr, *fused_down_ = nullptr;
    Expert shared_;
    const weights::TensorInfo* shared_gate_ = nullptr;
};

// out[T, hidden] = the MoE block applied to the normed hidden states h[T, hidden].
void moe_forward(Backend& backend, const MoeLayerWeights& w, const MixtureParams& p, Activation act,
                 const Tensor& h, Tensor& out);

// Routing of one token: the chosen experts and their weights (exposed for tests).
struct Route {
    std::vector<std::int64_t> experts;
    std::vector<float> weights;
};
// Routes one token from its router logits (length p.experts) per p.spec->router.
Route route_token(const float* logits, const MixtureParams& p,
                  const std::vector<float>& correction_bias);

}  // namespace lineage::model
