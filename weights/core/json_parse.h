// Parsing JSON text into simdjson's DOM the way Python's json module reads Hugging Face files.
// simdjson 3.0 rejects integer literals beyond 64 bits, which transformers writes routinely
// (tokenizer_config.json's model_max_length = int(1e30)); such literals are re-read as doubles, as
// Python would hold them as numbers. Shared by JsonValue and the tokenizer file parsers.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

namespace lineage {

// Parses `text` into `parser`'s document; throws InputError "<where>: invalid JSON: <reason>".
// The returned element lives as long as `parser` (the DOM copies what it keeps from the text).
simdjson::dom::element parse_json_dom(simdjson::dom::parser& parser,
                                      const simdjson::padded_string& text, std::string_view where);

// `text` with every integer literal of more than 18 digits outside strings given a ".0" suffix.
std::string widen_big_integers(std::string_view text);

}  // namespace lineage
