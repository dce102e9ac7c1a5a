// Which audit component (audit/verdict/component_names.h) a tensor belongs to: its role decides the
// part of the block ("attention", "mlp", "experts", "norms"), its layer the block; tensors outside
// the blocks are "embeddings", "final_norm" or "lm_head"; other towers are judged whole under their
// tower name ("vision", "projector", "audio"). Tensors of unknown role have no component.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "weights/tensor_roles.h"

namespace lineage::audit {

// nullopt for Role::other in the language model (unclassified tensors are not judged).
std::optional<std::string> component_of(const weights::TensorRole& role);
// The same from a role's name as weights::role_name spells it ("mlp_gate", "q_proj", ...), its
// layer and expert; also accepts the probes' group names "mlp" and "q_proj+k_proj".
std::optional<std::string> component_of_role_name(std::string_view role, int layer,
                                                  int expert = -1);

}  // namespace lineage::audit
