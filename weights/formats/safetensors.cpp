// Parser and validator of safetensors files (format and rules documented in safetensors.h). The
// header is read with simdjson's DOM straight from a padded copy (at most 100 MB); every piece of
// arithmetic on sizes from the file is checked before it is used.
#include "weights/formats/safetensors.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <unordered_set>

#include "weights/core/error.h"

namespace lineage::weights {
namespace {

std::string shown(std::string_view s) {
    // Names come from the file: keep messages on one line and printable.
    std::string out = "'";
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F) {
            static constexpr char kHex[] = "0123456789abcdef";
            out += "\\x";
            out.push_back(kHex[u >> 4]);
            out.push_back(kHex[u & 0xF]);
        } else {
            out.push_back(c);
        }
        if (out.size() > 200) {
            out += "...";
            break;
        }
    }
    return out + "'";
}

[[noreturn]] void fail(const std::string& where, const std::string& problem) {
    throw InputError(where, problem);
}

[[noreturn]] void fail_tensor(const std::string& where, std::string_view name, const std::string& problem) {
    throw InputError(where, "tensor " + shown(name) + ": " + problem);
}

SafetensorsEntry parse_entry(std::string_view name, simdjson::dom::element value, const std::string& where) {
    SafetensorsEntry e;
    e.name = std::string(name);
    simdjson::dom::object obj;
    if (value.get(obj)) fail_tensor(where, name, "entry is not a JSON object");

    std::string_view dtype_text;
    if (obj["dtype"].get(dtype_text)) fail_tensor(where, name, "missing or non-string \"dtype\"");
    const auto dtype = parse_dtype(dtype_text);
    if (!dtype || is_block_type(*dtype)) fail_tensor(where, name, "unknown dtype " + shown(dtype_text));
    e.dtype = *dtype;

    simdjson::dom::array shape;
    if (obj["shape"].get(shape)) fail_tensor(where, name, "missing or non-array \"shape\"");
    std::uint64_t count = 1;
    for (simdjson::dom::element dim : shape) {
        std::uint64_t d = 0;
        if (dim.get(d)) fail_tensor(where, name, "shape holds a value that is not a non-negative integer");
        if (d > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            fail_tensor(where, name, "shape dimension " + std::to_string(d) + " is too large");
        if (d != 0 && count > std::numeric_limits<std::uint64_t>::max() / d)
            fail_tensor(where, name, "element count overflows 64 bits");
        count *= d;
        e.shape.push_back(static_cast<std::int64_t>(d));
    }
    e.num_elements = count;

    simdjson::dom::array offsets;
    if (obj["data_offsets"].get(offsets) || offsets.size() != 2)
        fail_tensor(where, name, "missing \"data_offsets\" or not a [begin, end] pair");
    if (offsets.at(0).get(e.begin) || offsets.at(1).get(e.end))
        fail_tensor(where, name, "data_offsets are not non-negative integers");
    if (e.end < e.begin)
        fail_tensor(where, name, "data_offsets end " + std::to_string(e.end) + " is before begin " +
                                     std::to_string(e.begin));

    const std::uint64_t bits = dtype_bits(e.dtype);
    if (count > std::numeric_limits<std::uint64_t>::max() / bits)
        fail_tensor(where, name, "byte size overflows 64 bits");
    if ((count * bits) % 8 != 0)
        fail_tensor(where, name, std::string(dtype_name(e.dtype)) + " data of " + std::to_string(count) +
                                     " elements does not end on a byte boundary");
    const std::uint64_t expected = count * bits / 8;
    if (e.end - e.begin != expected)
        fail_tensor(where, name, "byte length " + std::to_string(e.end - e.begin) + " does not match " +
                                     std::string(dtype_name(e.dtype)) + " x shape (expected " +
                                     std::to_string(expected) + " bytes)");
    return e;
}

void parse_metadata(simdjson::dom::element value, SafetensorsHeader& out, const std::string& where) {
    simdjson::dom::object obj;
    if (value.get(obj)) fail(where, "__metadata__ is not a JSON object of strings");
    std::unordered_set<std::string_view> seen;
    for (simdjson::dom::key_value_pair kv : obj) {
        std::string_view text;
        if (kv.value.get(text)) fail(where, "__metadata__ entry " + shown(kv.key) + " is not a string");
        if (!seen.insert(kv.key).second) fail(where, "__metadata__ has duplicate key " + shown(kv.key));
        out.metadata.emplace_back(std::string(kv.key), std::string(text));
    }
}

// Sorted by begin, the ranges must follow one another from 0 to the end of the data region.
void check_tiling(std::vector<SafetensorsEntry> const& tensors, std::uint64_t data_size, const std::string& where) {
    std::vector<const SafetensorsEntry*> order;
    order.reserve(tensors.size());
    for (const auto& t : tensors) order.push_back(&t);
    std::sort(order.begin(), order.end(), [](auto* a, auto* b) {
        return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
    });
    std::uint64_t cursor = 0;
    const SafetensorsEntry* previous = nullptr;
    for (const auto* t : order) {
        if (t->end > data_size)
            fail_tensor(where, t->name, "data_offsets [" + std::to_string(t->begin) + ", " + std::to_string(t->end) +
                                            ") run past the end of the data region (" +
                                            std::to_string(data_size) + " bytes); truncated file?");
        if (t->begin > cursor)
            fail_tensor(where, t->name, "gap of " + std::to_string(t->begin - cursor) + " bytes before its data (offset " +
                                            std::to_string(cursor) + ")");
        if (t->begin < cursor)
            fail_tensor(where, t->name, "data_offsets [" + std::to_string(t->begin) + ", " + std::to_string(t->end) +
                                            ") overlap tensor " + shown(previous ? previous->name : "") );
        cursor = t->end;
        previous = t;
    }
    if (cursor != data_size)
        fail(where, std::to_string(data_size - cursor) + " trailing bytes after the last tensor's data");
}

}  // namespace

SafetensorsHeader parse_safetensors(std::span<const std::byte> file, const std::string& where) {
    if (file.size() < 8)
        fail(where, "truncated: " + std::to_string(file.size()) +
                        " bytes, shorter than the 8-byte header length; not a safetensors file?");
    std::uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<std::uint8_t>(file[static_cast<std::size_t>(i)]);
    if (n > kSafetensorsMaxHeader)
        fail(where, "header length " + std::to_string(n) + " exceeds the " +
                        std::to_string(kSafetensorsMaxHeader) + "-byte cap; not a safetensors file?");
    if (n > file.size() - 8)
        fail(where, "header length " + std::to_string(n) + " runs past the end of the file (" +
                        std::to_string(file.size()) + " bytes); truncated file?");
    if (n < 2 || static_cast<char>(file[8]) != '{')
        fail(where, "header does not start with '{'; not a safetensors file?");

    SafetensorsHeader out;
    out.data_offset = 8 + n;
    const std::uint64_t data_size = file.size() - out.data_offset;

    simdjson::padded_string text(reinterpret_cast<const char*>(file.data()) + 8, static_cast<std::size_t>(n));
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (auto err = parser.parse(text).get(root))
        fail(where, std::string("header is not valid JSON: ") + simdjson::error_message(err));
    simdjson::dom::object top;
    if (root.get(top)) fail(where, "header is not a JSON object");

    std::unordered_set<std::string_view> seen;
    for (simdjson::dom::key_value_pair kv : top) {
        if (!seen.insert(kv.key).second) {
            if (kv.key == "__metadata__") fail(where, "duplicate __metadata__");
            fail_tensor(where, kv.key, "duplicate tensor name in the header");
        }
        if (kv.key == "__metadata__") {
            parse_metadata(kv.value, out, where);
            continue;
        }
        out.tensors.push_back(parse_entry(kv.key, kv.value, where));
    }
    check_tiling(out.tensors, data_size, where);
    return out;
}

}  // namespace lineage::weights
