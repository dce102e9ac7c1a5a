// Streaming JSON output with deterministic layout.
#include "reports/json_writer.h"

#include "reports/number_format.h"
#include "weights/core/error.h"

namespace lineage::reports {

std::string JsonWriter::escape(std::string_view s) {
    static const char* hex = "0123456789abcdef";
    std::string out;
    out.reserve(s.size() + 2);
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 0x20 || c == 0x7f) {
                    out += "\\u00";
                    out += hex[c >> 4];
                    out += hex[c & 15];
                } else {
                    out += ch;
                }
        }
    }
    return out;
}

void JsonWriter::newline() {
    out_ += '\n';
    out_.append(stack_.size() * 2, ' ');
}

void JsonWriter::before_value() {
    if (after_key_) {
        after_key_ = false;
        return;
    }
    if (stack_.empty()) return;
    if (stack_.back().object) throw InternalError("JsonWriter: value without a key in an object");
    if (!stack_.back().empty) out_ += ',';
    stack_.back().empty = false;
    newline();
}

JsonWriter& JsonWriter::key(std::string_view k) {
    if (stack_.empty() || !stack_.back().object || after_key_) {
        throw InternalError("JsonWriter: key outside an object");
    }
    if (!stack_.back().empty) out_ += ',';
    stack_.back().empty = false;
    newline();
    out_ += '"';
    out_ += escape(k);
    out_ += "\": ";
    after_key_ = true;
    return *this;
}

JsonWriter& JsonWriter::begin_object() {
    before_value();
    out_ += '{';
    stack_.push_back({true, true});
    return *this;
}

JsonWriter& JsonWriter::end_object() {
    bool empty = stack_.back().empty;
    stack_.pop_back();
    if (!empty) newline();
    out_ += '}';
    return *this;
}

JsonWriter& JsonWriter::begin_array() {
    before_value();
    out_ += '[';
    stack_.push_back({false, true});
    return *this;
}

JsonWriter& JsonWriter::end_array() {
    bool empty = stack_.back().empty;
    stack_.pop_back();
    if (!empty) newline();
    out_ += ']';
    return *this;
}

JsonWriter& JsonWriter::string(std::string_view s) {
    before_value();
    out_ += '"';
    out_ += escape(s);
    out_ += '"';
    return *this;
}

JsonWriter& JsonWriter::number(double v) {
    before_value();
    out_ += json_number(v);
    return *this;
}

JsonWriter& JsonWriter::integer(long long v) {
    before_value();
    out_ += std::to_string(v);
    return *this;
}

JsonWriter& JsonWriter::unsigned_integer(unsigned long long v) {
    before_value();
    out_ += std::to_string(v);
    return *this;
}

JsonWriter& JsonWriter::boolean(bool b) {
    before_value();
    out_ += b ? "true" : "false";
    return *this;
}

JsonWriter& JsonWriter::null() {
    before_value();
    out_ += "null";
    return *this;
}

JsonWriter& JsonWriter::optional_number(const std::optional<double>& v) {
    return v ? number(*v) : null();
}

std::string JsonWriter::take() {
    if (!stack_.empty()) throw InternalError("JsonWriter: unclosed object or array");
    out_ += '\n';
    return std::move(out_);
}

}  // namespace lineage::reports
