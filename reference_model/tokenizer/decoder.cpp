// The supported decoders (see decoder.h).
#include "reference_model/tokenizer/decoder.h"

#include "reference_model/tokenizer/byte_level.h"
#include "reference_model/tokenizer/component_spec.h"
#include "reference_model/tokenizer/regex.h"
#include "reference_model/tokenizer/utf8.h"

namespace lineage::model {

std::string Decoder::decode(std::vector<std::string> tokens) const {
    decode_chain(tokens);
    std::string out;
    for (const std::string& t : tokens) out += t;
    return out;
}

namespace {

std::vector<char32_t> chars_of(std::string_view s) {
    std::vector<char32_t> out;
    for (std::size_t i = 0; i < s.size();) out.push_back(utf8::decode(s, i));
    return out;
}

// Characters back to bytes; a token holding a character outside the alphabet keeps its own
// bytes. The concatenation is made valid UTF-8 once, at the end (U+FFFD for broken sequences).
class ByteLevelDecoder final : public Decoder {
public:
    void decode_chain(std::vector<std::string>& tokens) const override {
        std::string bytes;
        for (const std::string& t : tokens) {
            std::string mapped;
            bool ok = true;
            for (std::size_t i = 0; i < t.size() && ok;) {
                int b = byte_level::char_to_byte(utf8::decode(t, i));
                if (b < 0)
                    ok = false;
                else
                    mapped += static_cast<char>(b);
            }
            bytes += ok ? mapped : t;
        }
        tokens.assign(1, utf8::to_valid_lossy(bytes));
    }
};

class MetaspaceDecoder final : public Decoder {
public:
    MetaspaceDecoder(char32_t replacement, bool strip_first) : replacement_(replacement), strip_first_(strip_first) {}
    void decode_chain(std::vector<std::string>& tokens) const override {
        for (std::size_t k = 0; k < tokens.size(); ++k) {
            std::string out;
            const std::string& t = tokens[k];
            for (std::size_t i = 0; i < t.size();) {
                std::size_t start = i;
                char32_t c = utf8::decode(t, i);
                if (c == replacement_) {
                    if (!(k == 0 && strip_first_)) out += ' ';
                } else {
                    out.append(t, start, i - start);
                }
            }
            tokens[k] = std::move(out);
        }
    }

private:
    char32_t replacement_;
    bool strip_first_;
};

class ByteFallbackDecoder final : public Decoder {
public:
    void decode_chain(std::vector<std::string>& tokens) const override {
        std::vector<std::string> out;
        std::string pending;
        auto flush = [&] {
            if (pending.empty()) return;
            if (utf8::is_valid(pending))
                out.push_back(pending);
            else
                for (std::size_t i = 0; i < pending.size(); ++i) out.emplace_back("\xEF\xBF\xBD");
            pending.clear();
        };
        for (std::string& t : tokens) {
            int byte = parse_byte_token(t);
            if (byte >= 0) {
                pending += static_cast<char>(byte);
            } else {
                flush();
                out.push_back(std::move(t));
            }
        }
        flush();
        tokens = std::move(out);
    }

private:
    // "<0xNN>" -> NN (Rust's u8::from_str_radix also takes a leading '+'), else -1.
    static int parse_byte_token(std::string_view t) {
        if (t.size() != 6 || t.substr(0, 3) != "<0x" || t[5] != '>') return -1;
        auto hex = [](char c) {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            return -1;
        };
        if (t[3] == '+') return hex(t[4]);
        int hi = hex(t[3]), lo = hex(t[4]);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }
};

class FuseDecoder final : public Decoder {
public:
    void decode_chain(std::vector<std::string>& tokens) const override {
        std::string all;
        for (const std::string& t : tokens) all += t;
        tokens.assign(1, std::move(all));
    }
};

class StripDecoder final : public Decoder {
public:
    StripDecoder(char32_t content, std::size_t start, std::size_t stop) : content_(content), start_(start), stop_(stop) {}
    void decode_chain(std::vector<std::string>& tokens) const override {
        for (std::string& t : tokens) {
            std::vector<char32_t> chars = chars_of(t);
            std::size_t start_cut = 0;
            for (std::size_t i = 0; i < start_ && i < chars.size() && chars[i] == content_; ++i) start_cut = i + 1;
            std::size_t stop_cut = chars.size();
            for (std::size_t i = 0; i < stop_ && i < chars.size(); ++i) {
                std::size_t index = chars.size() - i - 1;
                if (chars[index] != content_) break;
                stop_cut = index;
            }
            std::string out;
            for (std::size_t i = start_cut; i < stop_cut; ++i) utf8::append(out, chars[i]);
            t = std::move(out);
        }
    }

private:
    char32_t content_;
    std::size_t start_, stop_;
};

class ReplaceDecoder final : public Decoder {
public:
    ReplaceDecoder(const PatternSpec& pattern, std::string content, std::string_view where)
        : regex_(pattern.is_regex ? pattern.text : Regex::escape(pattern.text), where), content_(std::move(content)) {}
    void decode_chain(std::vector<std::string>& tokens) const override {
        for (std::string& t : tokens) {
            std::string out;
            std::size_t prev = 0;
            for (auto [s, e] : regex_.find_all(t)) {
                out.append(t, prev, s - prev);
                out += content_;
                prev = e;
            }
            out.append(t, prev, std::string::npos);
            t = std::move(out);
        }
    }

private:
    Regex regex_;
    std::string content_;
};

class BpeSuffixDecoder final : public Decoder {
public:
    explicit BpeSuffixDecoder(std::string suffix) : suffix_(std::move(suffix)) {}
    void decode_chain(std::vector<std::string>& tokens) const override {
        if (suffix_.empty()) return;
        for (std::size_t k = 0; k < tokens.size(); ++k) {
            std::string replacement = k + 1 == tokens.size() ? "" : " ";
            std::string& t = tokens[k];
            std::string out;
            std::size_t prev = 0;
            for (std::size_t p; (p = t.find(suffix_, prev)) != std::string::npos; prev = p + suffix_.size()) {
                out.append(t, prev, p - prev);
                out += replacement;
            }
            out.append(t, prev, std::string::npos);
            t = std::move(out);
        }
    }

private:
    std::string suffix_;
};

class WordPieceDecoder final : public Decoder {
public:
    explicit WordPieceDecoder(std::string prefix) : prefix_(std::move(prefix)) {}
    void decode_chain(std::vector<std::string>& tokens) const override {
        for (std::size_t k = 1; k < tokens.size(); ++k) {
            std::string& t = tokens[k];
            if (t.compare(0, prefix_.size(), prefix_) == 0)
                t.erase(0, prefix_.size());
            else
                t = " " + t;
        }
    }

private:
    std::string prefix_;
};

class SequenceDecoder final : public Decoder {
public:
    explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> steps) : steps_(std::move(steps)) {}
    void decode_chain(std::vector<std::string>& tokens) const override {
        for (const auto& step : steps_) step->decode_chain(tokens);
    }

private:
    std::vector<std::unique_ptr<Decoder>> steps_;
};

char32_t single_char(const ComponentSpec& spec, std::string_view key, std::string_view fallback) {
    std::string s = spec.get_string(key, fallback);
    std::size_t i = 0;
    if (s.empty()) spec.fail_field(key, "expected one character");
    char32_t c = utf8::decode(s, i);
    if (i != s.size()) spec.fail_field(key, "expected one character");
    return c;
}

}  // namespace

std::unique_ptr<Decoder> make_decoder(const JsonValue& json, std::string_view where) {
    if (json.is_null()) return nullptr;
    ComponentSpec spec(json, where, "decoder");
    const std::string& type = spec.type();
    if (type == "ByteLevel") return std::make_unique<ByteLevelDecoder>();
    if (type == "Metaspace") {
        bool strip_first = true;
        if (spec.field("prepend_scheme"))
            strip_first = spec.require_string("prepend_scheme") != "never";
        else
            strip_first = spec.get_bool("add_prefix_space", true);
        return std::make_unique<MetaspaceDecoder>(single_char(spec, "replacement", "\xE2\x96\x81"), strip_first);
    }
    if (type == "ByteFallback") return std::make_unique<ByteFallbackDecoder>();
    if (type == "Fuse") return std::make_unique<FuseDecoder>();
    if (type == "Strip") {
        std::int64_t start = spec.get_int("start", 0), stop = spec.get_int("stop", 0);
        if (start < 0 || stop < 0) spec.fail("negative start/stop");
        return std::make_unique<StripDecoder>(single_char(spec, "content", " "), static_cast<std::size_t>(start),
                                              static_cast<std::size_t>(stop));
    }
    if (type == "Replace")
        return std::make_unique<ReplaceDecoder>(read_pattern(spec, "pattern"), spec.require_string("content"), where);
    if (type == "BPEDecoder") return std::make_unique<BpeSuffixDecoder>(spec.get_string("suffix", "</w>"));
    if (type == "WordPiece") {
        if (spec.get_bool("cleanup", true)) spec.unsupported();
        return std::make_unique<WordPieceDecoder>(spec.get_string("prefix", "##"));
    }
    if (type == "Sequence") {
        std::vector<std::unique_ptr<Decoder>> steps;
        for (const JsonValue& step : spec.require_array("decoders")) {
            auto d = make_decoder(step, where);
            if (d) steps.push_back(std::move(d));
        }
        return std::make_unique<SequenceDecoder>(std::move(steps));
    }
    spec.unsupported();
}

}  // namespace lineage::model
