// Names of candidate components as the audit reports them, and their reading order:
//   embeddings, layers.0.attention, layers.0.mlp, layers.0.experts, layers.0.norms, layers.1...,
//   final_norm, lm_head, then other towers ("vision", "projector", ...) by name.
// One name per verdict row: a block's attention, MLP/experts and norms are judged separately.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace lineage::audit {

std::string layer_component(int layer,
                            std::string_view part);  // ("attention", 3) -> "layers.3.attention"
// Strict weak order for report tables.
bool component_before(std::string_view a, std::string_view b);
void sort_components(std::vector<std::string>& names);

}  // namespace lineage::audit
