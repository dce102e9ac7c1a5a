// The supported pre-tokenizers (see pre_tokenizer.h), mirroring tokenizers/src/pre_tokenizers/*.rs
// and NormalizedString::split's delimiter behaviours.
#include "reference_model/tokenizer/pre_tokenizer.h"

#include <algorithm>

#include "reference_model/tokenizer/byte_level.h"
#include "reference_model/tokenizer/component_spec.h"
#include "reference_model/tokenizer/regex.h"
#include "reference_model/tokenizer/utf8.h"

namespace lineage::model {

namespace {

enum class Behavior { removed, isolated, merged_with_previous, merged_with_next, contiguous };

struct Span {
    std::size_t start, end;
    bool is_match;
};

// Turns [start,end) match offsets into spans covering all of a text of length n.
std::vector<Span> cover(const std::vector<std::pair<std::size_t, std::size_t>>& matches, std::size_t n,
                        bool invert) {
    std::vector<Span> spans;
    if (n == 0) return {{0, 0, false}};
    std::size_t prev = 0;
    for (auto [s, e] : matches) {
        if (prev != s) spans.push_back({prev, s, invert});
        spans.push_back({s, e, !invert});
        prev = e;
    }
    if (prev != n) spans.push_back({prev, n, invert});
    return spans;
}

// Applies a delimiter behaviour and appends the resulting non-empty pieces of `piece` to `out`.
void split_piece(const PreToken& piece, const std::vector<Span>& spans, Behavior behavior,
                 std::vector<PreToken>& out) {
    std::vector<std::pair<std::size_t, std::size_t>> kept;
    bool previous_match = false;
    switch (behavior) {
        case Behavior::removed:
            for (const Span& s : spans)
                if (!s.is_match) kept.emplace_back(s.start, s.end);
            break;
        case Behavior::isolated:
            for (const Span& s : spans) kept.emplace_back(s.start, s.end);
            break;
        case Behavior::merged_with_previous:
            for (const Span& s : spans) {
                if (s.is_match && !previous_match && !kept.empty())
                    kept.back().second = s.end;
                else
                    kept.emplace_back(s.start, s.end);
                previous_match = s.is_match;
            }
            break;
        case Behavior::merged_with_next: {
            for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
                if (it->is_match && !previous_match && !kept.empty())
                    kept.back().first = it->start;
                else
                    kept.emplace_back(it->start, it->end);
                previous_match = it->is_match;
            }
            std::reverse(kept.begin(), kept.end());
            break;
        }
        case Behavior::contiguous:
            for (const Span& s : spans) {
                if (s.is_match == previous_match && !kept.empty())
                    kept.back().second = s.end;
                else
                    kept.emplace_back(s.start, s.end);
                previous_match = s.is_match;
            }
            break;
    }
    for (auto [s, e] : kept)
        if (e > s) out.push_back({piece.text.substr(s, e - s), piece.at_origin && s == 0});
}

Behavior parse_behavior(const ComponentSpec& spec, std::string_view key) {
    std::string b = spec.require_string(key);
    if (b == "Removed") return Behavior::removed;
    if (b == "Isolated") return Behavior::isolated;
    if (b == "MergedWithPrevious") return Behavior::merged_with_previous;
    if (b == "MergedWithNext") return Behavior::merged_with_next;
    if (b == "Contiguous") return Behavior::contiguous;
    spec.fail_field(key, "unknown behavior '" + b + "'");
}

// Literal occurrences, left to right, non-overlapping.
std::vector<std::pair<std::size_t, std::size_t>> find_literal(std::string_view text, std::string_view lit) {
    std::vector<std::pair<std::size_t, std::size_t>> out;
    if (lit.empty()) return out;
    for (std::size_t p = text.find(lit); p != std::string_view::npos; p = text.find(lit, p + lit.size()))
        out.emplace_back(p, p + lit.size());
    return out;
}

// Split on a regex or a literal string.
class SplitPreTokenizer final : public PreTokenizer {
public:
    SplitPreTokenizer(const PatternSpec& pattern, Behavior behavior, bool invert, std::string_view where)
        : literal_(pattern.text), behavior_(behavior), invert_(invert) {
        if (pattern.is_regex) regex_ = std::make_unique<Regex>(pattern.text, where);
    }
    void pre_tokenize(std::vector<PreToken>& pieces) const override {
        std::vector<PreToken> out;
        out.reserve(pieces.size() * 2);
        for (const PreToken& p : pieces) {
            auto matches = regex_ ? regex_->find_all(p.text) : find_literal(p.text, literal_);
            split_piece(p, cover(matches, p.text.size(), invert_), behavior_, out);
        }
        pieces = std::move(out);
    }

private:
    std::string literal_;
    std::unique_ptr<Regex> regex_;
    Behavior behavior_;
    bool invert_;
};

// GPT-2's split regex, used by ByteLevel when use_regex is true.
constexpr std::string_view kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

class ByteLevelPreTokenizer final : public PreTokenizer {
public:
    ByteLevelPreTokenizer(bool add_prefix_space, bool use_regex, std::string_view where)
        : add_prefix_space_(add_prefix_space) {
        if (use_regex) regex_ = std::make_unique<Regex>(kGpt2Pattern, where);
    }
    void pre_tokenize(std::vector<PreToken>& pieces) const override {
        std::vector<PreToken> out;
        out.reserve(pieces.size() * 2);
        for (PreToken& p : pieces) {
            if (add_prefix_space_ && (p.text.empty() || p.text[0] != ' ')) p.text = " " + p.text;
            if (regex_)
                split_piece(p, cover(regex_->find_all(p.text), p.text.size(), false), Behavior::isolated, out);
            else if (!p.text.empty())
                out.push_back(std::move(p));
        }
        for (PreToken& p : out) p.text = byte_level::encode(p.text);
        pieces = std::move(out);
    }

private:
    bool add_prefix_space_;
    std::unique_ptr<Regex> regex_;
};

enum class PrependScheme { always, first, never };

class MetaspacePreTokenizer final : public PreTokenizer {
public:
    MetaspacePreTokenizer(std::string replacement, PrependScheme scheme, bool split)
        : replacement_(std::move(replacement)), scheme_(scheme), split_(split) {}
    void pre_tokenize(std::vector<PreToken>& pieces) const override {
        std::vector<PreToken> out;
        for (PreToken& p : pieces) {
            std::string text;
            text.reserve(p.text.size() + replacement_.size());
            for (char c : p.text) {
                if (c == ' ')
                    text += replacement_;
                else
                    text += c;
            }
            bool starts = text.compare(0, replacement_.size(), replacement_) == 0;
            if (!starts && (scheme_ == PrependScheme::always ||
                            (scheme_ == PrependScheme::first && p.at_origin)))
                text.insert(0, replacement_);
            PreToken replaced{std::move(text), p.at_origin};
            if (split_)
                split_piece(replaced, cover(find_literal(replaced.text, replacement_), replaced.text.size(), false),
                            Behavior::merged_with_next, out);
            else if (!replaced.text.empty())
                out.push_back(std::move(replaced));
        }
        pieces = std::move(out);
    }

private:
    std::string replacement_;
    PrependScheme scheme_;
    bool split_;
};

// A regex-driven split with a fixed pattern (Digits, Whitespace, WhitespaceSplit, CharDelimiterSplit).
class FixedSplitPreTokenizer final : public PreTokenizer {
public:
    FixedSplitPreTokenizer(std::string_view pattern, Behavior behavior, bool invert, std::string_view where)
        : regex_(pattern, where), behavior_(behavior), invert_(invert) {}
    void pre_tokenize(std::vector<PreToken>& pieces) const override {
        std::vector<PreToken> out;
        for (const PreToken& p : pieces)
            split_piece(p, cover(regex_.find_all(p.text), p.text.size(), invert_), behavior_, out);
        pieces = std::move(out);
    }

private:
    Regex regex_;
    Behavior behavior_;
    bool invert_;
};

class SequencePreTokenizer final : public PreTokenizer {
public:
    explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> steps)
        : steps_(std::move(steps)) {}
    void pre_tokenize(std::vector<PreToken>& pieces) const override {
        for (const auto& step : steps_) step->pre_tokenize(pieces);
    }

private:
    std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

constexpr std::string_view kWhiteSpaceClass =
    "[\\x{9}-\\x{D}\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}"
    "\\x{205F}\\x{3000}]";

}  // namespace

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const JsonValue& json, std::string_view where) {
    if (json.is_null()) return nullptr;
    ComponentSpec spec(json, where, "pre_tokenizer");
    const std::string& type = spec.type();
    if (type == "ByteLevel")
        return std::make_unique<ByteLevelPreTokenizer>(spec.get_bool("add_prefix_space", true),
                                                       spec.get_bool("use_regex", true), where);
    if (type == "Split")
        return std::make_unique<SplitPreTokenizer>(read_pattern(spec, "pattern"),
                                                   parse_behavior(spec, "behavior"),
                                                   spec.get_bool("invert", false), where);
    if (type == "Metaspace") {
        std::string replacement = spec.get_string("replacement", "\xE2\x96\x81");
        std::size_t i = 0;
        if (replacement.empty() || (utf8::decode(replacement, i), i != replacement.size()))
            spec.fail_field("replacement", "expected one character");
        PrependScheme scheme = PrependScheme::always;
        if (spec.field("prepend_scheme")) {
            std::string s = spec.require_string("prepend_scheme");
            if (s == "always")
                scheme = PrependScheme::always;
            else if (s == "first")
                scheme = PrependScheme::first;
            else if (s == "never")
                scheme = PrependScheme::never;
            else
                spec.fail_field("prepend_scheme", "unknown scheme '" + s + "'");
        } else if (!spec.get_bool("add_prefix_space", true)) {
            scheme = PrependScheme::never;  // files written before prepend_scheme existed
        }
        return std::make_unique<MetaspacePreTokenizer>(replacement, scheme, spec.get_bool("split", true));
    }
    if (type == "Digits")
        return std::make_unique<FixedSplitPreTokenizer>(
            spec.get_bool("individual_digits", false) ? "\\p{N}" : "\\p{N}+", Behavior::isolated, false,
            where);
    if (type == "Whitespace")
        // Rust regex's \w (UTS #18 Word), spelled out: PCRE2's \w differs by version.
        return std::make_unique<FixedSplitPreTokenizer>(
            "[\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\x{200C}\\x{200D}]+|"
            "[^\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\x{200C}\\x{200D}\\s]+",
            Behavior::removed, true, where);
    if (type == "WhitespaceSplit")
        return std::make_unique<FixedSplitPreTokenizer>(kWhiteSpaceClass, Behavior::removed, false, where);
    if (type == "CharDelimiterSplit") {
        std::string d = spec.require_string("delimiter");
        return std::make_unique<FixedSplitPreTokenizer>(Regex::escape(d), Behavior::removed, false, where);
    }
    if (type == "Sequence") {
        std::vector<std::unique_ptr<PreTokenizer>> steps;
        for (const JsonValue& step : spec.require_array("pretokenizers")) {
            auto p = make_pre_tokenizer(step, where);
            if (p) steps.push_back(std::move(p));
        }
        return std::make_unique<SequencePreTokenizer>(std::move(steps));
    }
    spec.unsupported();
}

}  // namespace lineage::model
