// An owned JSON value: parsed with simdjson (fast on multi-MB tokenizer and index files), kept when
// the parser's buffers are gone, and written back deterministically (object keys keep their
// insertion order, numbers print round-trippably). Used for config.json fields we do not interpret,
// and as the machine record that reports serialise.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace lineage {

class JsonValue {
public:
    using Array = std::vector<JsonValue>;
    using Object = std::vector<std::pair<std::string, JsonValue>>;  // insertion order, unique keys

    JsonValue() = default;  // null
    JsonValue(std::nullptr_t) {}
    JsonValue(bool b) : v_(b) {}
    JsonValue(int i) : v_(static_cast<std::int64_t>(i)) {}
    JsonValue(std::int64_t i) : v_(i) {}
    JsonValue(std::uint64_t u) : v_(u) {}
    JsonValue(double d) : v_(d) {}
    JsonValue(const char* s) : v_(std::string(s)) {}
    JsonValue(std::string s) : v_(std::move(s)) {}
    JsonValue(std::string_view s) : v_(std::string(s)) {}
    JsonValue(Array a) : v_(std::move(a)) {}
    JsonValue(Object o) : v_(std::move(o)) {}

    static JsonValue object() { return JsonValue(Object{}); }
    static JsonValue array() { return JsonValue(Array{}); }

    bool is_null() const { return std::holds_alternative<std::monostate>(v_); }
    bool is_bool() const { return std::holds_alternative<bool>(v_); }
    bool is_number() const;
    bool is_integer() const;
    bool is_string() const { return std::holds_alternative<std::string>(v_); }
    bool is_array() const { return std::holds_alternative<Array>(v_); }
    bool is_object() const { return std::holds_alternative<Object>(v_); }

    // Typed access; each throws InternalError on the wrong type (callers check first).
    bool as_bool() const;
    double as_double() const;       // any number
    std::int64_t as_int() const;    // integers (and doubles holding an exact integer)
    bool is_unsigned() const { return std::holds_alternative<std::uint64_t>(v_); }  // > INT64_MAX
    std::uint64_t as_uint() const;  // non-negative integers
    const std::string& as_string() const;
    const Array& as_array() const;
    Array& as_array();
    const Object& as_object() const;
    Object& as_object();

    // Object lookup: nullptr when absent or when this is not an object.
    const JsonValue* find(std::string_view key) const;
    // Object insert-or-assign (this must be an object or null, which becomes an object).
    JsonValue& set(std::string_view key, JsonValue value);
    // Array append (this must be an array or null, which becomes an array).
    JsonValue& push(JsonValue value);

    // Compact (indent < 0) or pretty-printed JSON text.
    std::string dump(int indent = -1) const;

    // Parses JSON text; throws InputError "<where>: invalid JSON: <reason>".
    static JsonValue parse(std::string_view text, std::string_view where);
    // Reads and parses a file; throws InputError naming the file.
    static JsonValue parse_file(const std::string& path);

private:
    std::variant<std::monostate, bool, std::int64_t, std::uint64_t, double, std::string, Array,
                 Object>
        v_;
};

}  // namespace lineage
