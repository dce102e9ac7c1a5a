// The format-neutral vocabulary that every tokenizer file reduces to, so that tokenizers stored in
// different formats compare: per id the token's raw byte string (byte-level BPE's byte-to-unicode
// map undone, SentencePiece's "▁" turned into a space and its "<0xNN>" pieces into their byte,
// tiktoken bytes as they are), the token's kind, merges as id pairs in rank order, and the weak
// hints (pre-tokenizer regex, normalizer, special tokens, chat-template family, tokenizer class)
// that the lineage probes compare. load_vocabulary() (load_vocabulary.h) detects the format.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lineage::model {

// Where a vocabulary came from (gguf: the tokenizer a GGUF file embeds, gguf_vocabulary.h).
enum class VocabFormat { tokenizer_json, sentencepiece, tiktoken, tekken, gguf };
std::string_view vocab_format_name(VocabFormat format);

// What a token is. Only `normal` and `byte` tokens take part in vocabulary comparisons; the
// others are compared as special-token hints.
enum class TokenKind : std::uint8_t {
    absent,   // an id no token uses (a gap)
    normal,   // an ordinary learned token
    byte,     // a byte-fallback piece (<0xNN>) standing for one raw byte
    control,  // special/control tokens (<s>, <|endoftext|>, [INST], SentencePiece CONTROL/UNKNOWN)
    unused,   // SentencePiece UNUSED pieces
    added,    // added tokens that are not special (USER_DEFINED pieces, added_tokens special=false)
};
std::string_view token_kind_name(TokenKind kind);

// Weak hints: many from-scratch tokenizers copy these, so they never decide lineage alone.
struct VocabularyHints {
    std::string model_type;           // "BPE", "Unigram", "WordPiece", "WordLevel"; "" unknown
    std::string pre_tokenizer;        // split regex(es) joined by '\n', or a component summary
    std::string normalizer;           // a compact description; "" none
    std::vector<std::string> special_tokens;  // special token texts, in id order
    std::string chat_template_family;  // chatml, llama3, mistral-inst, deepseek, gemma, ..., ""
    std::string tokenizer_class;       // tokenizer_config.json's tokenizer_class; "" unknown
    bool byte_level = false;           // byte-level BPE (GPT-2 byte-to-unicode surface forms)
    bool byte_fallback = false;        // SentencePiece-style <0xNN> pieces
};

struct Vocabulary {
    VocabFormat format = VocabFormat::tokenizer_json;
    std::string source_path;  // the file read (a model folder resolves to its tokenizer file)
    std::string sha256;       // hex digest of that file's bytes

    // Indexed by id; ids no token uses have kind absent and empty bytes.
    std::vector<std::string> bytes_by_id;
    std::vector<TokenKind> kind_by_id;

    // Merges as (left id, right id) in rank order. `merges_rebuilt` is true when they were
    // rebuilt canonically (every valid split, ordered by result id) because the source lists
    // none (tiktoken, SentencePiece, tekken).
    std::vector<std::pair<std::int32_t, std::int32_t>> merges;
    bool merges_rebuilt = false;
    // When rebuilt: the id each merge produces (parallel to merges); empty otherwise.
    std::vector<std::int32_t> merge_results;

    VocabularyHints hints;

    std::size_t size() const { return bytes_by_id.size(); }
    // Number of ids with kind normal or byte (the tokens vocabulary comparisons use).
    std::size_t comparable_count() const;
    static bool comparable(TokenKind kind) { return kind == TokenKind::normal || kind == TokenKind::byte; }
};

// Hex sha256 of a file's bytes; InputError naming the file when it cannot be read.
std::string file_sha256(const std::string& path);
// Hex sha256 of bytes in memory.
std::string bytes_sha256(std::string_view bytes);

// Classifies a chat template by the markers it writes ("chatml", "llama3", "mistral-inst",
// "deepseek", "gemma", "phi", "other"; "" for no template).
std::string chat_template_family(std::string_view chat_template);

}  // namespace lineage::model
