// Round-robin shard selection and the "K/N" syntax of --shard (see shard.h).
#include "audit/batch/shard.h"

#include <charconv>

#include "weights/core/error.h"

namespace lineage::audit::batch {
namespace {

bool parse_size(std::string_view s, std::size_t& out) {
    if (s.empty()) return false;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

Shard parse_shard(const std::string& text) {
    const std::size_t slash = text.find('/');
    Shard s;
    if (slash == std::string::npos ||
        !parse_size(std::string_view(text).substr(0, slash), s.index) ||
        !parse_size(std::string_view(text).substr(slash + 1), s.count) || s.count == 0 ||
        s.index >= s.count)
        throw UsageError("--shard '" + text +
                         "': expected K/N with 0 <= K < N (e.g. \"$SLURM_ARRAY_TASK_ID/8\")");
    return s;
}

std::vector<std::size_t> shard_positions(std::size_t items, const Shard& shard) {
    std::vector<std::size_t> out;
    for (std::size_t i = shard.index; i < items; i += shard.count) out.push_back(i);
    return out;
}

std::size_t shard_of(std::size_t position, std::size_t shard_count) {
    return shard_count == 0 ? 0 : position % shard_count;
}

}  // namespace lineage::audit::batch
