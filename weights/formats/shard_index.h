// model.safetensors.index.json, the map of a sharded checkpoint:
//
//   { "metadata": {"total_size": 123, ...},           (optional, not trusted)
//     "weight_map": {"tensor name": "model-00001-of-00002.safetensors", ...} }
//
// Rules enforced here (before any file is touched): the document is an object with an object
// "weight_map" of strings; no tensor is listed twice (a tensor in two shards); every shard is a
// plain file name inside the checkpoint folder (not empty, no '/', '\', NUL, not "." or "..").
// Whether the shards exist and hold exactly the listed tensors is checked by the checkpoint loader.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lineage::weights {

struct ShardIndex {
    std::vector<std::string> shards;                              // in order of first mention
    std::vector<std::pair<std::string, std::string>> weight_map;  // tensor -> shard, in file order
    std::optional<std::uint64_t> total_size;                      // metadata.total_size if present
};

// Throws InputError "<where>: <problem>".
ShardIndex parse_shard_index(std::string_view text, const std::string& where);

// True when `name` may name a shard: a plain file name with no directory part.
bool is_plain_file_name(std::string_view name);

}  // namespace lineage::weights
