// Parser of model.safetensors.index.json (format and rules in shard_index.h).
#include "weights/formats/shard_index.h"

#include <simdjson.h>

#include <unordered_map>
#include <unordered_set>

#include "weights/core/error.h"

namespace lineage::weights {
namespace {

std::string shown(std::string_view s) {
    std::string out = "'";
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F) out += "?";
        else out.push_back(c);
        if (out.size() > 200) {
            out += "...";
            break;
        }
    }
    return out + "'";
}

}  // namespace

bool is_plain_file_name(std::string_view name) {
    if (name.empty() || name == "." || name == "..") return false;
    for (char c : name)
        if (c == '/' || c == '\\' || c == '\0') return false;
    return true;
}

ShardIndex parse_shard_index(std::string_view text, const std::string& where) {
    simdjson::padded_string padded(text);
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (auto err = parser.parse(padded).get(root))
        throw InputError(where, std::string("invalid JSON: ") + simdjson::error_message(err));
    simdjson::dom::object top;
    if (root.get(top)) throw InputError(where, "not a JSON object");

    ShardIndex out;
    simdjson::dom::element meta;
    if (!top["metadata"].get(meta)) {
        simdjson::dom::element total;
        std::uint64_t size = 0;
        if (meta.is_object() && !meta["total_size"].get(total) && !total.get(size)) out.total_size = size;
    }

    simdjson::dom::object map;
    if (top["weight_map"].get(map)) throw InputError(where, "missing \"weight_map\" object");
    std::unordered_map<std::string_view, std::string_view> seen;
    std::unordered_set<std::string_view> shard_seen;
    for (simdjson::dom::key_value_pair kv : map) {
        std::string_view shard;
        if (kv.value.get(shard))
            throw InputError(where, "weight_map: tensor " + shown(kv.key) + ": shard is not a string");
        if (!is_plain_file_name(shard))
            throw InputError(where, "weight_map: tensor " + shown(kv.key) + ": shard " + shown(shard) +
                                        " is not a plain file name inside the checkpoint folder");
        auto [it, fresh] = seen.emplace(kv.key, shard);
        if (!fresh)
            throw InputError(where, "weight_map: tensor " + shown(kv.key) + " is listed twice (shards " +
                                        shown(it->second) + " and " + shown(shard) + ")");
        if (shard_seen.insert(shard).second) out.shards.emplace_back(shard);
        out.weight_map.emplace_back(std::string(kv.key), std::string(shard));
    }
    return out;
}

}  // namespace lineage::weights
