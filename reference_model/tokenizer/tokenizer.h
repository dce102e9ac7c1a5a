// The tokenizer of the reference model. Three sources encode:
//   - tokenizer.json (+ tokenizer_config.json when present): encodes/decodes exactly like the
//     Hugging Face `tokenizers` library (Tokenizer.encode / Tokenizer.decode): added tokens are
//     split out first, the rest is normalized, pre-tokenized and encoded by the model, then the
//     post-processor adds special tokens on request. Supported: BPE models (byte-level as in
//     GPT-2/cl100k/Llama 3/Qwen2/3/DeepSeek V3, and SentencePiece-style with
//     Metaspace/Prepend+Replace and byte_fallback as in Llama 2/Mistral conversions) with the
//     components listed in normalizer.h, pre_tokenizer.h, decoder.h and post_processor.h. Other
//     model types (Unigram, WordPiece, WordLevel) load as TokenizerJson but Tokenizer throws
//     UnsupportedError for them.
//   - a SentencePiece `tokenizer.model` (BPE, identity normalization): encodes/decodes exactly
//     like the sentencepiece library (sentencepiece_bpe.h); add_special_tokens puts the model's
//     BOS piece first, as transformers' LlamaTokenizer (add_bos_token=True, add_eos_token=False)
//     and SentencePieceProcessor.encode(add_bos=True) do.
//   - a tiktoken rank file (Llama 3's `tokenizer.model`): encodes/decodes exactly like tiktoken
//     with Meta Llama 3's split regex and special tokens (tiktoken_tokenizer_json.h);
//     add_special_tokens puts <|begin_of_text|> first (Meta's encode(bos=True)).
// The format is judged by the file's content (formats/load_vocabulary.h), never by its name.
//
// A Tokenizer is immutable after load; encode/decode may be called from several threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "reference_model/tokenizer/tokenizer_config.h"
#include "reference_model/tokenizer/tokenizer_json.h"

namespace lineage::model {

class BpeModel;
class SentencePieceBpe;
struct SentencePieceModel;
class AddedVocabulary;
class Normalizer;
class PreTokenizer;
class PostProcessor;
class Decoder;

class Tokenizer {
public:
    // A model folder (its tokenizer.json, else its tokenizer.model; tokenizer_config.json read
    // when present) or a tokenizer file of a supported format (its sibling tokenizer_config.json
    // is read when present). InputError for missing/malformed files, UnsupportedError for
    // unsupported formats or components.
    static Tokenizer load(const std::filesystem::path& folder_or_file);
    // Builds the encoder from an already parsed file.
    explicit Tokenizer(TokenizerJson json, std::optional<TokenizerConfig> config = std::nullopt);
    explicit Tokenizer(SentencePieceModel model, std::optional<TokenizerConfig> config = std::nullopt);

    Tokenizer(Tokenizer&&) noexcept;
    Tokenizer& operator=(Tokenizer&&) noexcept;
    ~Tokenizer();

    // Token ids of `text` (must be valid UTF-8, else InputError). add_special_tokens applies the
    // post-processor's template (e.g. a BOS), as the library's encode(add_special_tokens=True).
    std::vector<std::int32_t> encode(std::string_view text, bool add_special_tokens = true) const;
    // Text of `ids`; ids that no token has are skipped, as the library does.
    std::string decode(std::span<const std::int32_t> ids, bool skip_special_tokens = false) const;

    // Surface form of a token (added tokens first, then the model vocabulary); nullopt if unused.
    std::optional<std::string> id_to_token(std::int32_t id) const;
    // -1 when `token` is neither an added nor a model token.
    std::int32_t token_to_id(std::string_view token) const;
    // One past the largest id in use (model or added): the size an embedding table needs.
    std::size_t vocab_size() const;
    bool is_special_id(std::int32_t id) const;

    // The tokenizer.json pipeline (also the one built for a tiktoken rank file); nullptr for a
    // SentencePiece model.
    const TokenizerJson* json() const { return json_.get(); }
    const std::optional<TokenizerConfig>& config() const { return config_; }
    const std::string& path() const { return path_; }

private:
    void encode_text_segment(std::string_view text, bool at_origin, std::vector<std::int32_t>& out) const;

    std::string path_;
    std::unique_ptr<TokenizerJson> json_;
    std::optional<TokenizerConfig> config_;
    std::unique_ptr<SentencePieceBpe> sp_;  // set for SentencePiece models (then the rest is unset)
    std::unique_ptr<BpeModel> model_;
    std::unique_ptr<Normalizer> normalizer_;
    std::unique_ptr<AddedVocabulary> added_;
    std::unique_ptr<PreTokenizer> pre_tokenizer_;
    std::unique_ptr<PostProcessor> post_processor_;
    std::unique_ptr<Decoder> decoder_;
};

}  // namespace lineage::model
