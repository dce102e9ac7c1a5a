// tiktoken rank file -> tokenizer.json pipeline (see tiktoken_tokenizer_json.h).
#include "reference_model/tokenizer/tiktoken_tokenizer_json.h"

#include <string>
#include <vector>

#include "reference_model/tokenizer/formats/token_bytes.h"
#include "reference_model/tokenizer/formats/vocabulary_readers.h"

namespace lineage::model {

namespace {

// The conventions of Meta Llama 3's tokenizer.py, the only bare rank file Lineage knows.
constexpr const char* kLlama3SplitRegex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr std::size_t kLlama3RankCount = 128000;
constexpr int kLlama3ReservedSpecials = 256;

std::vector<std::string> llama3_special_tokens() {
    std::vector<std::string> out = {
        "<|begin_of_text|>",           "<|end_of_text|>",           "<|reserved_special_token_0|>",
        "<|reserved_special_token_1|>", "<|reserved_special_token_2|>", "<|reserved_special_token_3|>",
        "<|start_header_id|>",          "<|end_header_id|>",          "<|reserved_special_token_4|>",
        "<|eot_id|>",
    };
    for (int i = 5; i < kLlama3ReservedSpecials - 5; ++i) out.push_back("<|reserved_special_token_" + std::to_string(i) + "|>");
    return out;
}

JsonValue byte_level(bool add_prefix_space, bool use_regex) {
    JsonValue v = JsonValue::object();
    v.set("type", "ByteLevel");
    v.set("add_prefix_space", add_prefix_space);
    v.set("trim_offsets", true);
    v.set("use_regex", use_regex);
    return v;
}

JsonValue split_then_byte_level() {
    JsonValue pattern = JsonValue::object();
    pattern.set("Regex", kLlama3SplitRegex);
    JsonValue split = JsonValue::object();
    split.set("type", "Split");
    split.set("pattern", std::move(pattern));
    split.set("behavior", "Isolated");
    split.set("invert", false);
    JsonValue steps = JsonValue::array();
    steps.push(std::move(split));
    steps.push(byte_level(false, false));
    JsonValue seq = JsonValue::object();
    seq.set("type", "Sequence");
    seq.set("pretokenizers", std::move(steps));
    return seq;
}

// TemplateProcessing that puts `bos` (id `bos_id`) before each sequence.
JsonValue bos_template(const std::string& bos, std::int32_t bos_id) {
    // {"SpecialToken": {"id": bos, ...}} or {"Sequence": {"id": "A", ...}}
    auto piece = [](const char* kind, const std::string& id, int type_id) {
        JsonValue inner = JsonValue::object();
        inner.set("id", id);
        inner.set("type_id", type_id);
        JsonValue v = JsonValue::object();
        v.set(kind, std::move(inner));
        return v;
    };
    auto special = [&](int type_id) { return piece("SpecialToken", bos, type_id); };
    auto sequence = [&](const char* id, int type_id) { return piece("Sequence", id, type_id); };
    JsonValue single = JsonValue::array();
    single.push(special(0));
    single.push(sequence("A", 0));
    JsonValue pair = JsonValue::array();
    pair.push(special(0));
    pair.push(sequence("A", 0));
    pair.push(special(1));
    pair.push(sequence("B", 1));
    JsonValue ids = JsonValue::array();
    ids.push(bos_id);
    JsonValue tokens = JsonValue::array();
    tokens.push(bos);
    JsonValue entry = JsonValue::object();
    entry.set("id", bos);
    entry.set("ids", std::move(ids));
    entry.set("tokens", std::move(tokens));
    JsonValue specials = JsonValue::object();
    specials.set(bos, std::move(entry));
    JsonValue v = JsonValue::object();
    v.set("type", "TemplateProcessing");
    v.set("single", std::move(single));
    v.set("pair", std::move(pair));
    v.set("special_tokens", std::move(specials));
    return v;
}

}  // namespace

TokenizerJson tokenizer_json_from_tiktoken(const TiktokenRanks& ranks) {
    // The Vocabulary reduction already rebuilds the canonical merges; reuse it.
    Vocabulary vocab = vocabulary_from_tiktoken(ranks);
    TokenizerJson tj;
    tj.path = ranks.path;
    tj.model_type = ModelKind::bpe;
    tj.vocab_by_id.resize(ranks.bytes_by_rank.size());
    tj.has_id = ranks.present;
    tj.vocab_count = ranks.count;
    for (std::size_t r = 0; r < ranks.bytes_by_rank.size(); ++r)
        if (ranks.present[r]) tj.vocab_by_id[r] = encode_byte_level(ranks.bytes_by_rank[r]);
    tj.merge_ids.reserve(vocab.merges.size());
    for (std::size_t k = 0; k < vocab.merges.size(); ++k)
        tj.merge_ids.push_back({vocab.merges[k].first, vocab.merges[k].second, vocab.merge_results[k]});
    tj.ignore_merges = true;
    tj.pre_tokenizer = split_then_byte_level();
    tj.decoder = byte_level(true, true);
    if (ranks.count == kLlama3RankCount && ranks.bytes_by_rank.size() == kLlama3RankCount) {
        std::vector<std::string> specials = llama3_special_tokens();
        for (std::size_t i = 0; i < specials.size(); ++i) {
            AddedToken t;
            t.id = static_cast<std::int32_t>(kLlama3RankCount + i);
            t.content = specials[i];
            t.special = true;
            t.normalized = false;
            tj.added_tokens.push_back(std::move(t));
        }
        tj.post_processor = bos_template(specials[0], static_cast<std::int32_t>(kLlama3RankCount));
    }
    return tj;
}

}  // namespace lineage::model
