// Cross-check of config.json against the stored tensors. For the Llama-style families (llama,
// mistral, qwen2, qwen3) the full list of expected tensors and shapes is generated from the config,
// so missing, unexpected and mis-shaped tensors are all found; for every other family the tensors
// whose shape any config implies (token embedding [vocab, hidden], final norm [hidden], untied
// lm_head [vocab, hidden]) are checked.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "weights/core/tensor_info.h"
#include "weights/model_config.h"

namespace lineage::weights {

struct ConfigMismatch {
    enum class Kind : std::uint8_t { missing, unexpected, shape };
    Kind kind = Kind::missing;
    std::string tensor;
    std::vector<std::int64_t> expected;  // expected shape (missing, shape)
    std::vector<std::int64_t> actual;    // stored shape (unexpected, shape)
    std::string message;                 // one line: "tensor 'x': shape [..] but config implies [..]"
};

std::vector<ConfigMismatch> check_config(const ModelConfig& config, std::span<const TensorInfo> tensors);

// True when the mismatches make the checkpoint unusable (a missing tensor or a wrong shape);
// unexpected extra tensors alone are reported but not fatal.
bool is_fatal(const std::vector<ConfigMismatch>& mismatches);

std::string_view mismatch_kind_name(ConfigMismatch::Kind k);
std::string shape_text(std::span<const std::int64_t> shape);  // "[4096, 11008]"

}  // namespace lineage::weights
