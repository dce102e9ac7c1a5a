// JsonValue: conversion from simdjson's DOM into owned values, typed accessors, and the writer.
// The writer is deterministic: object keys in insertion order, integers as integers, doubles in the
// shortest form that reads back to the same double (std::to_chars) and always with a '.' or an
// exponent so they read back as doubles; non-finite doubles (not representable in JSON) are written
// as null. Strings are escaped per RFC 8259 (quote, backslash, control characters) and UTF-8 passes
// through unchanged (simdjson has already validated it on input).
#include "weights/core/json_value.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>

#include "weights/core/error.h"
#include "weights/core/json_parse.h"

namespace lineage {
namespace {

[[noreturn]] void wrong_type(const char* wanted) {
    throw InternalError(std::string("JsonValue: value is not ") + wanted);
}

JsonValue from_dom(simdjson::dom::element e, std::string_view where, int depth) {
    using simdjson::dom::element_type;
    if (depth > 512) throw InputError(where, "invalid JSON: nesting deeper than 512 levels");
    switch (e.type()) {
        case element_type::NULL_VALUE: return JsonValue();
        case element_type::BOOL: return JsonValue(bool(e.get_bool().value_unsafe()));
        case element_type::INT64: return JsonValue(std::int64_t(e.get_int64().value_unsafe()));
        case element_type::UINT64: return JsonValue(std::uint64_t(e.get_uint64().value_unsafe()));
        case element_type::DOUBLE: return JsonValue(double(e.get_double().value_unsafe()));
        case element_type::STRING: return JsonValue(std::string(e.get_string().value_unsafe()));
        case element_type::ARRAY: {
            JsonValue::Array out;
            simdjson::dom::array array;
            if (e.get(array)) wrong_type("an array");
            out.reserve(array.size());
            for (simdjson::dom::element child : array) out.push_back(from_dom(child, where, depth + 1));
            return JsonValue(std::move(out));
        }
        case element_type::OBJECT: {
            JsonValue v = JsonValue::object();
            simdjson::dom::object object;
            if (e.get(object)) wrong_type("an object");
            for (simdjson::dom::key_value_pair field : object)
                v.set(field.key, from_dom(field.value, where, depth + 1));  // last duplicate wins
            return v;
        }
    }
    throw InternalError("JsonValue: unknown simdjson element type");
}

void write_string(std::string& out, std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    out.push_back('"');
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            default:
                if (u < 0x20 || u == 0x7F) {
                    out += "\\u00";
                    out.push_back(kHex[u >> 4]);
                    out.push_back(kHex[u & 0xF]);
                } else {
                    out.push_back(c);
                }
        }
    }
    out.push_back('"');
}

void write_double(std::string& out, double d) {
    if (!std::isfinite(d)) {
        out += "null";
        return;
    }
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
    std::string_view text(buf, static_cast<std::size_t>(end - buf));
    out += text;
    if (text.find_first_of(".eE") == std::string_view::npos) out += ".0";
}

void newline(std::string& out, int indent, int level) {
    if (indent < 0) return;
    out.push_back('\n');
    out.append(static_cast<std::size_t>(indent * level), ' ');
}

}  // namespace

bool JsonValue::is_number() const {
    return std::holds_alternative<std::int64_t>(v_) || std::holds_alternative<std::uint64_t>(v_) ||
           std::holds_alternative<double>(v_);
}

bool JsonValue::is_integer() const {
    return std::holds_alternative<std::int64_t>(v_) || std::holds_alternative<std::uint64_t>(v_);
}

bool JsonValue::as_bool() const {
    if (auto p = std::get_if<bool>(&v_)) return *p;
    wrong_type("a boolean");
}

double JsonValue::as_double() const {
    if (auto p = std::get_if<std::int64_t>(&v_)) return static_cast<double>(*p);
    if (auto p = std::get_if<std::uint64_t>(&v_)) return static_cast<double>(*p);
    if (auto p = std::get_if<double>(&v_)) return *p;
    wrong_type("a number");
}

std::int64_t JsonValue::as_int() const {
    if (auto p = std::get_if<std::int64_t>(&v_)) return *p;
    if (auto p = std::get_if<std::uint64_t>(&v_)) {
        if (*p > static_cast<std::uint64_t>(INT64_MAX)) wrong_type("an integer within int64");
        return static_cast<std::int64_t>(*p);
    }
    if (auto p = std::get_if<double>(&v_)) {
        if (std::isfinite(*p) && std::trunc(*p) == *p && std::fabs(*p) < 9.2e18)
            return static_cast<std::int64_t>(*p);
    }
    wrong_type("an integer");
}

std::uint64_t JsonValue::as_uint() const {
    if (auto p = std::get_if<std::uint64_t>(&v_)) return *p;
    const std::int64_t i = as_int();
    if (i < 0) wrong_type("a non-negative integer");
    return static_cast<std::uint64_t>(i);
}

const std::string& JsonValue::as_string() const {
    if (auto p = std::get_if<std::string>(&v_)) return *p;
    wrong_type("a string");
}

const JsonValue::Array& JsonValue::as_array() const {
    if (auto p = std::get_if<Array>(&v_)) return *p;
    wrong_type("an array");
}

JsonValue::Array& JsonValue::as_array() {
    if (auto p = std::get_if<Array>(&v_)) return *p;
    wrong_type("an array");
}

const JsonValue::Object& JsonValue::as_object() const {
    if (auto p = std::get_if<Object>(&v_)) return *p;
    wrong_type("an object");
}

JsonValue::Object& JsonValue::as_object() {
    if (auto p = std::get_if<Object>(&v_)) return *p;
    wrong_type("an object");
}

const JsonValue* JsonValue::find(std::string_view key) const {
    auto p = std::get_if<Object>(&v_);
    if (!p) return nullptr;
    for (const auto& [k, v] : *p)
        if (k == key) return &v;
    return nullptr;
}

JsonValue& JsonValue::set(std::string_view key, JsonValue value) {
    if (is_null()) v_ = Object{};
    auto& obj = as_object();
    for (auto& [k, v] : obj)
        if (k == key) return v = std::move(value);
    obj.emplace_back(std::string(key), std::move(value));
    return obj.back().second;
}

JsonValue& JsonValue::push(JsonValue value) {
    if (is_null()) v_ = Array{};
    auto& arr = as_array();
    arr.push_back(std::move(value));
    return arr.back();
}

namespace {
void dump_into(const JsonValue& v, std::string& out, int indent, int level);
}

std::string JsonValue::dump(int indent) const {
    std::string out;
    dump_into(*this, out, indent, 0);
    return out;
}

namespace {
void dump_into(const JsonValue& v, std::string& out, int indent, int level) {
    if (v.is_null()) {
        out += "null";
    } else if (v.is_bool()) {
        out += v.as_bool() ? "true" : "false";
    } else if (v.is_integer()) {
        char buf[32];
        const auto r = v.is_unsigned() ? std::to_chars(buf, buf + sizeof buf, v.as_uint())
                                       : std::to_chars(buf, buf + sizeof buf, v.as_int());
        out.append(buf, r.ptr);
    } else if (v.is_number()) {
        write_double(out, v.as_double());
    } else if (v.is_string()) {
        write_string(out, v.as_string());
    } else if (v.is_array()) {
        const auto& a = v.as_array();
        if (a.empty()) {
            out += "[]";
            return;
        }
        out.push_back('[');
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (i) out.push_back(',');
            newline(out, indent, level + 1);
            dump_into(a[i], out, indent, level + 1);
        }
        newline(out, indent, level);
        out.push_back(']');
    } else {
        const auto& o = v.as_object();
        if (o.empty()) {
            out += "{}";
            return;
        }
        out.push_back('{');
        for (std::size_t i = 0; i < o.size(); ++i) {
            if (i) out.push_back(',');
            newline(out, indent, level + 1);
            write_string(out, o[i].first);
            out += indent < 0 ? ":" : ": ";
            dump_into(o[i].second, out, indent, level + 1);
        }
        newline(out, indent, level);
        out.push_back('}');
    }
}
}  // namespace

JsonValue JsonValue::parse(std::string_view text, std::string_view where) {
    simdjson::dom::parser parser;
    const simdjson::padded_string padded(text);
    return from_dom(parse_json_dom(parser, padded, where), where, 0);
}

JsonValue JsonValue::parse_file(const std::string& path) {
    simdjson::padded_string text;
    if (auto err = simdjson::padded_string::load(path).get(text))
        throw InputError(path, std::string("cannot read file: ") + simdjson::error_message(err));
    simdjson::dom::parser parser;
    return from_dom(parse_json_dom(parser, text, path), path, 0);
}

}  // namespace lineage
