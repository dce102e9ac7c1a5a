// Small helpers of the fingerprint data model (see fingerprint.h).
#include "probes/fingerprint/fingerprint.h"

#include <array>

namespace lineage::probes::fingerprint {

namespace {
constexpr std::array<std::pair<SketchKind, const char*>, 5> kKindNames{{
    {SketchKind::full, "full"},
    {SketchKind::reads_hidden, "reads_hidden"},
    {SketchKind::writes_hidden, "writes_hidden"},
    {SketchKind::anchor_rows, "anchor_rows"},
    {SketchKind::anchor_sketch, "anchor_sketch"},
}};
}  // namespace

const char* sketch_kind_name(SketchKind k) {
    for (const auto& [kind, name] : kKindNames)
        if (kind == k) return name;
    return "full";
}

bool parse_sketch_kind(const std::string& name, SketchKind& out) {
    for (const auto& [kind, n] : kKindNames)
        if (name == n) {
            out = kind;
            return true;
        }
    return false;
}

std::int64_t Fingerprint::payload_bytes(int bytes_per_value) const {
    std::int64_t n = 0;
    for (const auto& t : tensors) n += static_cast<std::int64_t>(t.values.size()) * bytes_per_value;
    for (const auto& [name, bytes] : files) n += static_cast<std::int64_t>(bytes.size());
    for (const auto& b : anchor_bytes) n += static_cast<std::int64_t>(b.size()) + 4;
    if (activations) {
        // Upper triangles of the per-layer Grams (LAYOUT.md), and each point's text and offset.
        const auto p = static_cast<std::int64_t>(activations->points.size());
        n += static_cast<std::int64_t>(activations->grams.size()) * p * (p + 1) / 2 * bytes_per_value + 12 * p;
    }
    return n;
}

const SketchTensor* Fingerprint::find(const std::string& tensor_name) const {
    for (const auto& t : tensors)
        if (t.name == tensor_name) return &t;
    return nullptr;
}

}  // namespace lineage::probes::fingerprint
