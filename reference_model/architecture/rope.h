// Rotary position embeddings: the inverse frequencies of every RoPE scaling variant transformers
// applies to the supported families, and the per-token cos/sin tables the backends consume.
// Mirrors transformers 5.23 modeling_rope_utils.py (_compute_*_parameters and the
// dynamic_rope_update decorator):
//   default   inv_freq[i] = 1 / theta^(2i/dim)
//   linear    default / factor
//   dynamic   NTK: theta' = theta · (factor·L/max_pos − (factor−1))^(dim/(dim−2)), L = max(seq_len, max_pos)
//             — depends on the sequence length, so tables are made per sequence
//   yarn      blend of interpolated (/factor) and extrapolated frequencies over a linear ramp
//             between the beta_fast/beta_slow correction dims (floored/ceiled unless truncate is
//             false); cos/sin scaled by attention_factor (default 0.1·ln(factor) + 1, or the
//             mscale/mscale_all_dim ratio)
//   llama3    low frequencies / factor, high ones kept, smooth interpolation in between
// `dim` is the rotary dimension: head_dim · partial_rotary_factor.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "weights/model_config.h"

namespace lineage::model {

class Rope {
public:
    // Reads theta, the scaling variant and its parameters; throws UnsupportedError naming `where`
    // for a variant not implemented, InputError for missing/invalid parameters.
    static Rope from_config(const weights::ModelConfig& config, std::int64_t head_dim, const std::string& where);

    const std::string& type() const { return type_; }
    std::int64_t rotary_dim() const { return dim_; }
    // Multiplier of cos and sin (yarn's attention factor; 1 otherwise).
    float attention_scaling() const { return attention_scaling_; }

    // The inverse frequencies (rotary_dim/2) in force for a sequence of `seq_len` tokens.
    std::vector<float> inv_freq(std::int64_t seq_len) const;

    // cos/sin rows [positions.size(), rotary_dim/2] for the tokens at `positions` of a sequence
    // whose length so far is `seq_len` (its largest position + 1).
    void fill(std::span<const std::int64_t> positions, std::int64_t seq_len, float* cos, float* sin) const;

private:
    std::string type_ = "default";
    double theta_ = 10000.0;
    std::int64_t dim_ = 0;
    std::int64_t max_positions_ = 0;
    double factor_ = 1.0;
    float attention_scaling_ = 1.0f;
    std::vector<float> fixed_inv_freq_;  // every variant but dynamic
};

}  // namespace lineage::model
