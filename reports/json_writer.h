// A small streaming JSON writer for the report record: two-space indentation, keys in the order
// written, strings escaped per RFC 8259 (control characters as \u00XX, UTF-8 passed through),
// numbers through json_number() so the same figures always print the same way.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lineage::reports {

class JsonWriter {
  public:
    JsonWriter& begin_object();
    JsonWriter& end_object();
    JsonWriter& begin_array();
    JsonWriter& end_array();
    JsonWriter& key(std::string_view k);
    JsonWriter& string(std::string_view s);
    JsonWriter& number(double v);  // non-finite -> null
    JsonWriter& integer(long long v);
    JsonWriter& unsigned_integer(unsigned long long v);
    JsonWriter& boolean(bool b);
    JsonWriter& null();
    JsonWriter& optional_number(const std::optional<double>& v);
    // Shorthands for "key": value.
    JsonWriter& field(std::string_view k, std::string_view s) { return key(k).string(s); }
    JsonWriter& field(std::string_view k, const char* s) { return key(k).string(s); }
    JsonWriter& field(std::string_view k, const std::string& s) { return key(k).string(s); }

    std::string take();

    static std::string escape(std::string_view s);  // without the quotes

  private:
    void before_value();
    void newline();
    std::string out_;
    struct Level {
        bool object;
        bool empty;
    };
    std::vector<Level> stack_;
    bool after_key_ = false;
};

}  // namespace lineage::reports
