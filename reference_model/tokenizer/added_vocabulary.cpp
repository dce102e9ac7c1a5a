// Added-token matching (see added_vocabulary.h).
#include "reference_model/tokenizer/added_vocabulary.h"

#include <algorithm>
#include <map>

#include "reference_model/tokenizer/normalizer.h"
#include "reference_model/tokenizer/regex.h"
#include "reference_model/tokenizer/utf8.h"

namespace lineage::model {

namespace {

// \w as the Rust regex crate defines it (UTS #18 Word: Alphabetic, Mark, Decimal_Number,
// Connector_Punctuation, Join_Control); only single_word
// tokens use it.
const Regex& word_at_end() {
    static const Regex r("[\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\x{200C}\\x{200D}]\\z", "added token matcher");
    return r;
}
const Regex& word_at_start() {
    static const Regex r("\\A[\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\x{200C}\\x{200D}]", "added token matcher");
    return r;
}

// Start of the run of whitespace that ends `text`.
std::size_t whitespace_run_start(std::string_view text) {
    std::size_t end = text.size();
    while (end > 0) {
        std::size_t start = end - 1;
        while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
        std::size_t i = start;
        if (!utf8::is_whitespace(utf8::decode(text, i))) break;
        end = start;
    }
    return end;
}

// Length of the run of whitespace that starts `text`.
std::size_t whitespace_run_length(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t j = i;
        if (!utf8::is_whitespace(utf8::decode(text, j))) break;
        i = j;
    }
    return i;
}

}  // namespace

void AddedVocabulary::Trie::insert(std::string_view pattern, std::int32_t id) {
    std::int32_t node = 0;
    for (unsigned char c : pattern) {
        auto& kids = nodes[static_cast<std::size_t>(node)].children;
        auto it = std::lower_bound(kids.begin(), kids.end(), std::make_pair(c, std::int32_t(-1)),
                                   [](const auto& a, const auto& b) { return a.first < b.first; });
        if (it != kids.end() && it->first == c) {
            node = it->second;
        } else {
            auto child = static_cast<std::int32_t>(nodes.size());
            kids.insert(it, {c, child});
            nodes.emplace_back();
            node = child;
        }
    }
    nodes[static_cast<std::size_t>(node)].token = id;
}

std::pair<std::size_t, std::int32_t> AddedVocabulary::Trie::longest_at(std::string_view text,
                                                                       std::size_t pos) const {
    std::pair<std::size_t, std::int32_t> best{0, -1};
    std::int32_t node = 0;
    for (std::size_t i = pos; i < text.size(); ++i) {
        const auto& kids = nodes[static_cast<std::size_t>(node)].children;
        auto c = static_cast<unsigned char>(text[i]);
        auto it = std::lower_bound(kids.begin(), kids.end(), std::make_pair(c, std::int32_t(-1)),
                                   [](const auto& a, const auto& b) { return a.first < b.first; });
        if (it == kids.end() || it->first != c) break;
        node = it->second;
        if (nodes[static_cast<std::size_t>(node)].token >= 0)
            best = {i + 1 - pos, nodes[static_cast<std::size_t>(node)].token};
    }
    return best;
}

void AddedVocabulary::build(const std::vector<AddedToken>& tokens, std::size_t model_vocab_count,
                            const std::function<std::int32_t(std::string_view)>& model_token_to_id,
                            const Normalizer* normalizer) {
    auto next_id = static_cast<std::int32_t>(model_vocab_count);
    for (const AddedToken& token : tokens) {
        if (token.content.empty()) continue;
        auto known = by_content_.find(token.content);
        std::int32_t id;
        if (known != by_content_.end()) {
            id = known->second;
        } else if (std::int32_t m = model_token_to_id(token.content); m >= 0) {
            id = m;
        } else {
            id = next_id++;
        }
        by_content_[token.content] = id;
        if (token.special) special_.insert(token.content);
        AddedToken stored = token;
        stored.id = id;
        by_id_[id] = std::move(stored);
        max_id_ = std::max(max_id_, id);
    }
    // Patterns per id (a later token given the same id replaces the earlier one, as in the
    // library's id -> token map); normalized tokens are matched by their normalized content.
    std::map<std::int32_t, const AddedToken*> ordered;
    for (const auto& [id, token] : by_id_) ordered[id] = &token;
    for (const auto& [id, token] : ordered) {
        if (token->normalized) {
            std::string pattern = token->content;
            if (normalizer) normalizer->normalize(pattern);
            if (!pattern.empty()) normalized_trie_.insert(pattern, id);
        } else {
            raw_trie_.insert(token->content, id);
        }
    }
}

std::vector<AddedVocabulary::Segment> AddedVocabulary::split(std::string_view text, bool normalized_set) const {
    const Trie& trie = normalized_set ? normalized_trie_ : raw_trie_;
    std::vector<Segment> out;
    if (text.empty() || trie.empty()) {
        out.push_back({0, text.size(), -1});
        return out;
    }
    std::size_t start_offset = 0;
    for (std::size_t pos = 0; pos < text.size();) {
        auto [len, id] = trie.longest_at(text, pos);
        if (len == 0) {
            ++pos;
            continue;
        }
        std::size_t start = pos, stop = pos + len;
        pos = stop;  // matches never overlap
        const AddedToken& token = by_id_.at(id);
        if (token.single_word) {
            bool start_ok = start == 0 || !word_at_end().search(text.substr(0, start));
            bool stop_ok = stop == text.size() || !word_at_start().search(text.substr(stop));
            if (!start_ok || !stop_ok) continue;
        }
        if (token.lstrip) start = std::max(whitespace_run_start(text.substr(0, start)), start_offset);
        if (token.rstrip) {
            // The library resumes matching where the token itself ended, not after the spaces.
            stop += whitespace_run_length(text.substr(stop));
        }
        if (start_offset < start) out.push_back({start_offset, start, -1});
        out.push_back({start, stop, id});
        start_offset = stop;
    }
    if (start_offset != text.size()) out.push_back({start_offset, text.size(), -1});
    return out;
}

std::optional<std::string_view> AddedVocabulary::id_to_token(std::int32_t id) const {
    auto it = by_id_.find(id);
    if (it == by_id_.end()) return std::nullopt;
    return std::string_view(it->second.content);
}

std::int32_t AddedVocabulary::token_to_id(std::string_view content) const {
    auto it = by_content_.find(std::string(content));
    return it == by_content_.end() ? -1 : it->second;
}

}  // namespace lineage::model
