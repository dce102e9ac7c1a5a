// Small helpers over simdjson's DOM for the tokenizer file parsers: reading a file into a padded
// buffer, converting an element into an owned lineage::JsonValue, and typed field access that
// throws InputError "<file>: field '<name>': <problem>". Internal to reference_model/tokenizer.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "weights/core/json_value.h"

namespace lineage::model::json_dom {

// Reads the whole file; InputError naming it when it cannot be read.
simdjson::padded_string read_file(const std::filesystem::path& path);

// Parses `text` (already padded) into `parser`'s document; InputError "<where>: invalid JSON: ...".
simdjson::dom::element parse(simdjson::dom::parser& parser, const simdjson::padded_string& text,
                             std::string_view where);

// Owned deep copy (object key order kept).
JsonValue to_json_value(simdjson::dom::element element);

// Field access on an object; `where` is the file, `field` the dotted field name for messages.
// The optional_* forms return nullopt when the field is absent or null.
std::optional<simdjson::dom::element> optional_field(simdjson::dom::object object,
                                                     std::string_view key);
std::optional<std::string> optional_string(simdjson::dom::object object, std::string_view key,
                                           std::string_view where, std::string_view field);
std::optional<bool> optional_bool(simdjson::dom::object object, std::string_view key,
                                  std::string_view where, std::string_view field);
std::optional<std::int64_t> optional_int(simdjson::dom::object object, std::string_view key,
                                         std::string_view where, std::string_view field);
std::optional<double> optional_number(simdjson::dom::object object, std::string_view key,
                                      std::string_view where, std::string_view field);

[[noreturn]] void fail(std::string_view where, std::string_view field, std::string_view problem);

}  // namespace lineage::model::json_dom
