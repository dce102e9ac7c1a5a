// Reading order of component names (see the header), by a small sort key.
#include "audit/verdict/component_names.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <tuple>

namespace lineage::audit {

namespace {

struct Key {
    int group;   // 0 embeddings, 1 layers, 2 final norm, 3 lm_head, 4 other
    long layer;  // layer index within group 1
    int part;    // attention, mlp, experts, norms, other
    std::string_view rest;
    auto tie() const { return std::tie(group, layer, part, rest); }
};

Key key_of(std::string_view name) {
    static constexpr std::array<std::string_view, 4> parts{"attention", "mlp", "experts", "norms"};
    if (name == "embeddings") return {0, 0, 0, ""};
    if (name == "final_norm") return {2, 0, 0, ""};
    if (name == "lm_head") return {3, 0, 0, ""};
    constexpr std::string_view prefix = "layers.";
    if (name.substr(0, prefix.size()) == prefix) {
        std::string_view tail = name.substr(prefix.size());
        long layer = 0;
        auto [ptr, ec] = std::from_chars(tail.data(), tail.data() + tail.size(), layer);
        if (ec == std::errc()) {
            std::string_view part = tail.substr(static_cast<std::size_t>(ptr - tail.data()));
            if (!part.empty() && part.front() == '.') part.remove_prefix(1);
            auto it = std::find(parts.begin(), parts.end(), part);
            int rank = it == parts.end() ? static_cast<int>(parts.size())
                                         : static_cast<int>(it - parts.begin());
            return {1, layer, rank, part};
        }
    }
    return {4, 0, 0, name};
}

}  // namespace

std::string layer_component(int layer, std::string_view part) {
    return "layers." + std::to_string(layer) + "." + std::string(part);
}

bool component_before(std::string_view a, std::string_view b) {
    Key ka = key_of(a), kb = key_of(b);
    if (ka.tie() != kb.tie()) return ka.tie() < kb.tie();
    return a < b;
}

void sort_components(std::vector<std::string>& names) {
    std::stable_sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
        return component_before(a, b);
    });
}

}  // namespace lineage::audit
