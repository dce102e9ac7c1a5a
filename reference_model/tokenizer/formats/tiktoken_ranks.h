// Reads a tiktoken rank file (what OpenAI's tiktoken loads, and what Llama 3 ships as
// `tokenizer.model`): one token per line, "<base64 bytes> <rank>", ranks being token ids. Blank
// lines are skipped. Special tokens are not in the file (they live in the loading code).
// Errors (InputError naming file and line): a line without exactly two fields, invalid base64, an
// empty token, a rank that is not a non-negative integer below 2^24, ranks so sparse that most ids
// would be unused (a hostile huge rank), a rank or token listed twice,
// a file with no tokens.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace lineage::model {

struct TiktokenRanks {
    std::string path;
    // Index = rank; ranks no line names are empty with present[rank] == false.
    std::vector<std::string> bytes_by_rank;
    std::vector<bool> present;
    std::size_t count = 0;

    static TiktokenRanks load(const std::filesystem::path& path);
    static TiktokenRanks parse(std::string_view text, std::string_view where);
};

// True when `head` (the first bytes of a file) looks like a rank file: a base64 field, one space,
// digits. Used to tell Llama 3's `tokenizer.model` from a SentencePiece protobuf.
bool looks_like_tiktoken(std::string_view head);

}  // namespace lineage::model
