// The supported normalizers (see normalizer.h), each mirroring tokenizers/src/normalizers/*.rs.
#include "reference_model/tokenizer/normalizer.h"

#include <vector>

#include "reference_model/tokenizer/byte_level.h"
#include "reference_model/tokenizer/component_spec.h"
#include "reference_model/tokenizer/regex.h"
#include "reference_model/tokenizer/unicode_nfc.h"
#include "reference_model/tokenizer/utf8.h"

namespace lineage::model {

namespace {

class NfcNormalizer final : public Normalizer {
public:
    void normalize(std::string& text) const override { text = to_nfc(text); }
};

class NfdNormalizer final : public Normalizer {
public:
    void normalize(std::string& text) const override { text = to_nfd(text); }
};

// Prepends a string to non-empty text (SentencePiece conversions prepend "▁").
class PrependNormalizer final : public Normalizer {
public:
    explicit PrependNormalizer(std::string prefix) : prefix_(std::move(prefix)) {}
    void normalize(std::string& text) const override {
        if (!text.empty()) text.insert(0, prefix_);
    }

private:
    std::string prefix_;
};

// Replaces every (non-overlapping, left to right) occurrence of a literal or regex.
class ReplaceNormalizer final : public Normalizer {
public:
    ReplaceNormalizer(const PatternSpec& pattern, std::string content, std::string_view where)
        : literal_(pattern.is_regex ? "" : pattern.text), content_(std::move(content)) {
        if (pattern.is_regex) regex_ = std::make_unique<Regex>(pattern.text, where);
    }
    void normalize(std::string& text) const override {
        std::string out;
        std::size_t prev = 0;
        if (regex_) {
            for (auto [s, e] : regex_->find_all(text)) {
                out.append(text, prev, s - prev);
                out += content_;
                prev = e;
            }
        } else {
            if (literal_.empty()) return;
            for (std::size_t p; (p = text.find(literal_, prev)) != std::string::npos;
                 prev = p + literal_.size()) {
                out.append(text, prev, p - prev);
                out += content_;
            }
        }
        if (prev == 0 && out.empty()) return;
        out.append(text, prev, std::string::npos);
        text = std::move(out);
    }

private:
    std::string literal_;
    std::unique_ptr<Regex> regex_;
    std::string content_;
};

// Removes leading and/or trailing whitespace (Unicode White_Space).
class StripNormalizer final : public Normalizer {
public:
    StripNormalizer(bool left, bool right) : left_(left), right_(right) {}
    void normalize(std::string& text) const override {
        std::size_t begin = 0, end = text.size();
        if (left_) {
            while (begin < end) {
                std::size_t i = begin;
                if (!utf8::is_whitespace(utf8::decode(text, i))) break;
                begin = i;
            }
        }
        if (right_) {
            while (end > begin) {
                std::size_t start = end - 1;
                while (start > begin && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
                std::size_t i = start;
                if (!utf8::is_whitespace(utf8::decode(text, i))) break;
                end = start;
            }
        }
        text = text.substr(begin, end - begin);
    }

private:
    bool left_, right_;
};

class ByteLevelNormalizer final : public Normalizer {
public:
    void normalize(std::string& text) const override { text = byte_level::encode(text); }
};

class SequenceNormalizer final : public Normalizer {
public:
    explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> steps)
        : steps_(std::move(steps)) {}
    void normalize(std::string& text) const override {
        for (const auto& step : steps_) step->normalize(text);
    }

private:
    std::vector<std::unique_ptr<Normalizer>> steps_;
};

}  // namespace

std::unique_ptr<Normalizer> make_normalizer(const JsonValue& json, std::string_view where) {
    if (json.is_null()) return nullptr;
    ComponentSpec spec(json, where, "normalizer");
    const std::string& type = spec.type();
    if (type == "NFC") return std::make_unique<NfcNormalizer>();
    if (type == "NFD") return std::make_unique<NfdNormalizer>();
    if (type == "Prepend") return std::make_unique<PrependNormalizer>(spec.require_string("prepend"));
    if (type == "Replace")
        return std::make_unique<ReplaceNormalizer>(read_pattern(spec, "pattern"),
                                                   spec.require_string("content"), where);
    if (type == "Strip")
        return std::make_unique<StripNormalizer>(spec.get_bool("strip_left", true),
                                                 spec.get_bool("strip_right", true));
    if (type == "ByteLevel") return std::make_unique<ByteLevelNormalizer>();
    if (type == "Sequence") {
        std::vector<std::unique_ptr<Normalizer>> steps;
        for (const JsonValue& step : spec.require_array("normalizers")) {
            auto n = make_normalizer(step, where);
            if (n) steps.push_back(std::move(n));
        }
        return std::make_unique<SequenceNormalizer>(std::move(steps));
    }
    spec.unsupported();
}

}  // namespace lineage::model
