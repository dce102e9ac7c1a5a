// Token byte offsets and position pairing (see byte_alignment.h).
#include "probes/activation/byte_alignment.h"

#include <algorithm>

namespace lineage::probes::activation {
namespace {

bool covers_text(model::TokenKind kind) {
    return kind == model::TokenKind::normal || kind == model::TokenKind::byte || kind == model::TokenKind::added;
}

}  // namespace

TokenSpans token_byte_spans(std::span<const std::int32_t> ids, const model::Vocabulary& vocab,
                            std::string_view text) {
    TokenSpans s;
    s.end.assign(ids.size(), -1);
    std::vector<std::int64_t> raw_end(ids.size(), -1);
    for (std::size_t i = 0; i < ids.size(); ++i) {
        const auto id = static_cast<std::size_t>(ids[i]);
        if (ids[i] < 0 || id >= vocab.size() || !covers_text(vocab.kind_by_id[id])) continue;
        const std::string& bytes = vocab.bytes_by_id[id];
        if (bytes.empty()) continue;
        s.stream += bytes;
        raw_end[i] = static_cast<std::int64_t>(s.stream.size());
    }
    // A leading space the text does not start with was prepended by the tokenizer.
    std::int64_t shift = 0;
    if (!s.stream.empty() && s.stream.front() == ' ' && (text.empty() || text.front() != ' ')) {
        s.prepended_space = true;
        s.stream.erase(0, 1);
        shift = 1;
    }
    for (std::size_t i = 0; i < ids.size(); ++i)
        if (raw_end[i] - shift > 0) s.end[i] = raw_end[i] - shift;
    s.matches_text = s.stream == text;
    return s;
}

std::vector<std::pair<std::int32_t, std::int32_t>> align_positions(const TokenSpans& a, const TokenSpans& b,
                                                                   std::int32_t skip_leading) {
    std::vector<std::pair<std::int32_t, std::int32_t>> out;
    // Truncated sequences end at different places: the streams must agree where both have text.
    const std::size_t common = std::min(a.stream.size(), b.stream.size());
    if (common == 0 || a.stream.compare(0, common, b.stream, 0, common) != 0) return out;
    // Offsets increase along each sequence (tokens covering no text carry -1 and are skipped), so
    // a merge of the two increasing lists finds every common end offset.
    std::size_t i = 0, j = 0;
    while (i < a.end.size() && j < b.end.size()) {
        if (a.end[i] < 0) { ++i; continue; }
        if (b.end[j] < 0) { ++j; continue; }
        if (a.end[i] < b.end[j]) {
            ++i;
        } else if (b.end[j] < a.end[i]) {
            ++j;
        } else {
            if (static_cast<std::int32_t>(i) >= skip_leading && static_cast<std::int32_t>(j) >= skip_leading)
                out.emplace_back(static_cast<std::int32_t>(i), static_cast<std::int32_t>(j));
            ++i;
            ++j;
        }
    }
    return out;
}

}  // namespace lineage::probes::activation
