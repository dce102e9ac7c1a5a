// Which layers slide and which RoPE each layer rotates with, for families whose layer types differ
// in more than the window (Gemma 3: local layers with rope_local_base_freq, global layers with
// rope_theta and rope_scaling). Everything else has one RoPE for every layer.
//
// Layer types (transformers 5.23 Gemma3TextConfig.__post_init__): config.layer_types when present;
// otherwise layer i is "sliding_attention" unless (i + 1) % sliding_window_pattern == 0
// (sliding_window_pattern defaults to 6; transformers 5 writes it as "_sliding_window_pattern").
//
// The RoPE of one layer type: transformers 5 nests one object per type in rope_parameters
// ({"sliding_attention": {...}, "full_attention": {...}}); transformers 4 configs give the full
// layers' rope_theta and rope_scaling at the top and the local base as rope_local_base_freq.
// Absent bases take the family's defaults (FamilyTraits::full_rope_theta / sliding_rope_theta).
// VAETKI keeps the bases under other keys (rope_theta for sliding layers, rope_theta_global for
// full ones) and gives full layers a linear factor of 8 when rope_scaling is null
// (FamilyTraits::sliding_theta_key / full_theta_key / full_linear_factor_unscaled).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "reference_model/architecture/family_traits.h"
#include "reference_model/architecture/rope.h"
#include "weights/model_config.h"

namespace lineage::model {

// true for each sliding layer. Throws InputError naming `where` when layer_types has the wrong
// length or sliding_window_pattern is not a positive integer.
std::vector<bool> sliding_layers_by_type_or_pattern(const weights::ModelConfig& config, std::int64_t layers,
                                                    const std::string& where);

struct LayerRopes {
    std::vector<Rope> ropes;              // distinct RoPEs (ropes[0]: the full-attention one)
    std::vector<std::size_t> of_layer;    // index into `ropes` per layer
};

// One RoPE for every layer, or (traits.full_rope_theta > 0) one per layer type. `sliding` has an
// entry per layer.
LayerRopes layer_ropes(const weights::ModelConfig& config, const FamilyTraits& traits, std::int64_t head_dim,
                       const std::vector<bool>& sliding, const std::string& where);

}  // namespace lineage::model
