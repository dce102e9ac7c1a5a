// simdjson DOM helpers shared by the tokenizer file parsers (see json_dom.h).
#include "reference_model/tokenizer/json_dom.h"

#include "weights/core/error.h"
#include "weights/core/json_parse.h"

namespace lineage::model::json_dom {

namespace dom = simdjson::dom;

void fail(std::string_view where, std::string_view field, std::string_view problem) {
    if (field.empty()) throw InputError(where, problem);
    throw InputError(where, "field '" + std::string(field) + "': " + std::string(problem));
}

simdjson::padded_string read_file(const std::filesystem::path& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        throw InputError(path.string(), "is a folder; expected a JSON file");
    if (!std::filesystem::exists(path, ec)) throw InputError(path.string(), "no such file");
    simdjson::padded_string text;
    auto error = simdjson::padded_string::load(path.string()).get(text);
    if (error) throw InputError(path.string(), std::string("cannot read file: ") +
                                                   simdjson::error_message(error));
    return text;
}


dom::element parse(dom::parser& parser, const simdjson::padded_string& text, std::string_view where) {
    return parse_json_dom(parser, text, where);
}

JsonValue to_json_value(dom::element element) {
    switch (element.type()) {
        case dom::element_type::ARRAY: {
            JsonValue::Array out;
            for (dom::element item : dom::array(element)) out.push_back(to_json_value(item));
            return JsonValue(std::move(out));
        }
        case dom::element_type::OBJECT: {
            JsonValue::Object out;
            for (dom::key_value_pair kv : dom::object(element)) {
                bool replaced = false;  // duplicate keys: the last one wins, keys stay unique
                for (auto& [k, v] : out)
                    if (k == kv.key) {
                        v = to_json_value(kv.value);
                        replaced = true;
                    }
                if (!replaced) out.emplace_back(std::string(kv.key), to_json_value(kv.value));
            }
            return JsonValue(std::move(out));
        }
        case dom::element_type::INT64: return JsonValue(std::int64_t(element));
        case dom::element_type::UINT64: return JsonValue(std::uint64_t(element));
        case dom::element_type::DOUBLE: return JsonValue(double(element));
        case dom::element_type::STRING: return JsonValue(std::string_view(element));
        case dom::element_type::BOOL: return JsonValue(bool(element));
        case dom::element_type::NULL_VALUE: return JsonValue();
    }
    return JsonValue();
}

std::optional<dom::element> optional_field(dom::object object, std::string_view key) {
    dom::element value;
    if (object.at_key(key).get(value)) return std::nullopt;
    if (value.is_null()) return std::nullopt;
    return value;
}

std::optional<std::string> optional_string(dom::object object, std::string_view key,
                                           std::string_view where, std::string_view field) {
    auto value = optional_field(object, key);
    if (!value) return std::nullopt;
    std::string_view s;
    if (value->get_string().get(s)) fail(where, field, "expected a string");
    return std::string(s);
}

std::optional<bool> optional_bool(dom::object object, std::string_view key, std::string_view where,
                                  std::string_view field) {
    auto value = optional_field(object, key);
    if (!value) return std::nullopt;
    bool b = false;
    if (value->get_bool().get(b)) fail(where, field, "expected true or false");
    return b;
}

std::optional<std::int64_t> optional_int(dom::object object, std::string_view key,
                                         std::string_view where, std::string_view field) {
    auto value = optional_field(object, key);
    if (!value) return std::nullopt;
    std::int64_t i = 0;
    if (value->get_int64().get(i)) fail(where, field, "expected an integer");
    return i;
}

std::optional<double> optional_number(dom::object object, std::string_view key,
                                      std::string_view where, std::string_view field) {
    auto value = optional_field(object, key);
    if (!value) return std::nullopt;
    double d = 0;
    if (value->get_double().get(d)) fail(where, field, "expected a number");
    return d;
}

}  // namespace lineage::model::json_dom
