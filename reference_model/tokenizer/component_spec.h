// Reading the small JSON objects that describe pipeline components (normalizers, pre-tokenizers,
// decoders, post-processors): typed field access with errors "<file>: <component>: field 'x': ...".
// Internal to reference_model/tokenizer.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "weights/core/error.h"
#include "weights/core/json_value.h"

namespace lineage::model {

class ComponentSpec {
public:
    // `kind` is "normalizer", "pre_tokenizer", ... for messages.
    ComponentSpec(const JsonValue& spec, std::string_view where, std::string_view kind)
        : spec_(spec), where_(where), kind_(kind) {
        if (!spec.is_object()) fail("expected an object");
        const JsonValue* type = spec.find("type");
        if (!type || !type->is_string()) fail("missing 'type'");
        type_ = type->as_string();
    }

    const std::string& type() const { return type_; }
    const JsonValue& json() const { return spec_; }
    std::string_view where() const { return where_; }

    const JsonValue* field(std::string_view key) const {
        const JsonValue* v = spec_.find(key);
        return v && !v->is_null() ? v : nullptr;
    }
    bool get_bool(std::string_view key, bool fallback) const {
        const JsonValue* v = field(key);
        if (!v) return fallback;
        if (!v->is_bool()) fail_field(key, "expected true or false");
        return v->as_bool();
    }
    std::string get_string(std::string_view key, std::string_view fallback) const {
        const JsonValue* v = field(key);
        if (!v) return std::string(fallback);
        if (!v->is_string()) fail_field(key, "expected a string");
        return v->as_string();
    }
    std::string require_string(std::string_view key) const {
        const JsonValue* v = field(key);
        if (!v || !v->is_string()) fail_field(key, "expected a string");
        return v->as_string();
    }
    std::int64_t get_int(std::string_view key, std::int64_t fallback) const {
        const JsonValue* v = field(key);
        if (!v) return fallback;
        if (!v->is_integer()) fail_field(key, "expected an integer");
        return v->as_int();
    }
    const JsonValue::Array& require_array(std::string_view key) const {
        const JsonValue* v = field(key);
        if (!v || !v->is_array()) fail_field(key, "expected a list");
        return v->as_array();
    }

    [[noreturn]] void fail(std::string_view problem) const {
        throw InputError(where_, std::string(kind_) + (type_.empty() ? "" : " " + type_) + ": " +
                                     std::string(problem));
    }
    [[noreturn]] void fail_field(std::string_view key, std::string_view problem) const {
        fail("field '" + std::string(key) + "': " + std::string(problem));
    }
    [[noreturn]] void unsupported() const {
        throw UnsupportedError(where_, std::string(kind_) + " '" + type_ +
                                           "' is not supported by Lineage's tokenizer");
    }

private:
    const JsonValue& spec_;
    std::string where_;
    std::string kind_;
    std::string type_;
};

// A {"String": s} or {"Regex": r} pattern object.
struct PatternSpec {
    bool is_regex = false;
    std::string text;
};

inline PatternSpec read_pattern(const ComponentSpec& spec, std::string_view key) {
    const JsonValue* p = spec.field(key);
    if (!p || !p->is_object()) spec.fail_field(key, "expected {\"String\": ...} or {\"Regex\": ...}");
    if (const JsonValue* s = p->find("String"); s && s->is_string()) return {false, s->as_string()};
    if (const JsonValue* r = p->find("Regex"); r && r->is_string()) return {true, r->as_string()};
    spec.fail_field(key, "expected {\"String\": ...} or {\"Regex\": ...}");
}

}  // namespace lineage::model
