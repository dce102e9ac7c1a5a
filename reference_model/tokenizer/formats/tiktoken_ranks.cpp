// tiktoken rank-file reader (format in the header).
#include "reference_model/tokenizer/formats/tiktoken_ranks.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iterator>

#include "reference_model/tokenizer/flat_maps.h"
#include "reference_model/tokenizer/formats/token_bytes.h"
#include "weights/core/error.h"

namespace lineage::model {

namespace {
constexpr std::uint64_t kMaxRank = 1u << 24;

bool base64_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/' || c == '=';
}
}  // namespace

bool looks_like_tiktoken(std::string_view head) {
    std::size_t i = 0;
    while (i < head.size() && base64_char(head[i])) ++i;
    if (i == 0 || i >= head.size() || head[i] != ' ') return false;
    std::size_t digits = 0;
    for (++i; i < head.size() && head[i] >= '0' && head[i] <= '9'; ++i) ++digits;
    return digits > 0 && (i == head.size() || head[i] == '\n' || head[i] == '\r');
}

TiktokenRanks TiktokenRanks::parse(std::string_view text, std::string_view where) {
    TiktokenRanks out;
    out.path = std::string(where);
    struct Entry {
        std::uint32_t rank;
        std::size_t line;
        std::string bytes;
    };
    std::vector<Entry> entries;
    std::uint64_t max_rank = 0;
    std::size_t line_no = 0;
    for (std::size_t pos = 0; pos < text.size();) {
        std::size_t nl = text.find('\n', pos);
        std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) continue;
        auto fail = [&](const std::string& problem) {
            throw InputError(std::string(where), "line " + std::to_string(line_no) + ": " + problem);
        };
        std::size_t space = line.find(' ');
        if (space == std::string_view::npos || line.find(' ', space + 1) != std::string_view::npos)
            fail("expected '<base64 token> <rank>'");
        std::string_view b64 = line.substr(0, space), rank_text = line.substr(space + 1);
        std::uint64_t rank = 0;
        auto [end, ec] = std::from_chars(rank_text.data(), rank_text.data() + rank_text.size(), rank);
        if (ec != std::errc() || end != rank_text.data() + rank_text.size() || rank >= kMaxRank)
            fail("rank '" + std::string(rank_text.substr(0, 32)) + "' is not an integer in 0..2^24");
        auto bytes = decode_base64(b64);
        if (!bytes) fail("invalid base64 '" + std::string(b64.substr(0, 64)) + "'");
        if (bytes->empty()) fail("empty token");
        max_rank = std::max(max_rank, rank);
        entries.push_back({static_cast<std::uint32_t>(rank), line_no, std::move(*bytes)});
    }
    if (entries.empty()) throw InputError(std::string(where), "tiktoken rank file holds no tokens (empty vocabulary)");
    // Ranks are ids: a few gaps are tolerated, a sparse table (a hostile huge rank) is not.
    if (max_rank >= 2 * entries.size() + 1024)
        throw InputError(std::string(where), "rank " + std::to_string(max_rank) + " leaves most ids unused (" +
                                                 std::to_string(entries.size()) + " tokens)");
    out.bytes_by_rank.resize(max_rank + 1);
    out.present.resize(max_rank + 1, false);
    std::vector<std::size_t> line_of_rank(max_rank + 1, 0);
    for (Entry& e : entries) {
        if (out.present[e.rank])
            throw InputError(std::string(where), "line " + std::to_string(e.line) + ": rank " + std::to_string(e.rank) +
                                                     " already given on line " + std::to_string(line_of_rank[e.rank]));
        out.bytes_by_rank[e.rank] = std::move(e.bytes);
        out.present[e.rank] = true;
        line_of_rank[e.rank] = e.line;
        ++out.count;
    }
    StringIdMap seen(out.count);
    for (std::size_t r = 0; r < out.bytes_by_rank.size(); ++r) {
        if (!out.present[r]) continue;
        std::int32_t prev = seen.insert(out.bytes_by_rank[r], static_cast<std::int32_t>(r));
        if (prev >= 0)
            throw InputError(std::string(where), "line " + std::to_string(line_of_rank[r]) + ": token of rank " +
                                                     std::to_string(r) + " duplicates rank " + std::to_string(prev));
    }
    return out;
}

TiktokenRanks TiktokenRanks::load(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(path.string(), "cannot open file");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return parse(text, path.string());
}

}  // namespace lineage::model
