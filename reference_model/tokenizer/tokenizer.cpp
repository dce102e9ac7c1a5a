// Tokenizer: the encode/decode pipeline over the components (see tokenizer.h). The order of steps
// follows TokenizerImpl::encode_single_sequence and TokenizerImpl::decode of the `tokenizers`
// library; SentencePiece models are handed to SentencePieceBpe whole.
#include "reference_model/tokenizer/tokenizer.h"

#include <algorithm>

#include "reference_model/tokenizer/added_vocabulary.h"
#include "reference_model/tokenizer/bpe_model.h"
#include "reference_model/tokenizer/decoder.h"
#include "reference_model/tokenizer/normalizer.h"
#include "reference_model/tokenizer/formats/load_vocabulary.h"
#include "reference_model/tokenizer/post_processor.h"
#include "reference_model/tokenizer/pre_tokenizer.h"
#include "reference_model/tokenizer/sentencepiece_bpe.h"
#include "reference_model/tokenizer/tiktoken_tokenizer_json.h"
#include "reference_model/tokenizer/utf8.h"
#include "weights/core/error.h"

namespace lineage::model {

Tokenizer Tokenizer::load(const std::filesystem::path& folder_or_file) {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::path file = folder_or_file;
    if (fs::is_directory(folder_or_file, ec)) {
        file = folder_or_file / "tokenizer.json";
        if (!fs::exists(file, ec)) file = folder_or_file / "tokenizer.model";
        if (!fs::exists(file, ec))
            throw InputError(folder_or_file.string(), "no tokenizer.json or tokenizer.model in this folder");
    } else if (!fs::exists(folder_or_file, ec)) {
        throw InputError(folder_or_file.string(), "no such file or folder");
    }
    std::optional<TokenizerConfig> config;
    fs::path config_path = file.parent_path() / "tokenizer_config.json";
    if (fs::exists(config_path, ec)) config = TokenizerConfig::load(config_path);
    // Judged by content; anything not recognised goes to the tokenizer.json reader, whose error
    // says what is wrong with it.
    std::optional<VocabFormat> format = detect_tokenizer_format(file);
    switch (format.value_or(VocabFormat::tokenizer_json)) {
        case VocabFormat::tokenizer_json: return Tokenizer(TokenizerJson::load(file), std::move(config));
        case VocabFormat::sentencepiece: return Tokenizer(SentencePieceModel::load(file), std::move(config));
        case VocabFormat::tiktoken:
            return Tokenizer(tokenizer_json_from_tiktoken(TiktokenRanks::load(file)), std::move(config));
        case VocabFormat::tekken:
        case VocabFormat::gguf: break;
    }
    throw UnsupportedError(file.string(), std::string("encoding a ") + std::string(vocab_format_name(*format)) +
                                              " tokenizer is not supported (tokenizer.json, SentencePiece BPE "
                                              "tokenizer.model and tiktoken rank files are)");
}

Tokenizer::Tokenizer(SentencePieceModel model, std::optional<TokenizerConfig> config)
    : path_(model.path), config_(std::move(config)), sp_(std::make_unique<SentencePieceBpe>(std::move(model))) {}

Tokenizer::Tokenizer(TokenizerJson json, std::optional<TokenizerConfig> config)
    : path_(json.path), json_(std::make_unique<TokenizerJson>(std::move(json))), config_(std::move(config)) {
    const std::string& where = json_->path;
    if (json_->model_type != ModelKind::bpe)
        throw UnsupportedError(where, std::string("model type ") + std::string(model_kind_name(json_->model_type)) +
                                          " is not supported for encoding (only BPE)");
    if (json_->dropout && *json_->dropout > 0.0)
        throw UnsupportedError(where, "BPE dropout makes encoding random; Lineage needs dropout null or 0");
    model_ = std::make_unique<BpeModel>(*json_);
    normalizer_ = make_normalizer(json_->normalizer, where);
    pre_tokenizer_ = make_pre_tokenizer(json_->pre_tokenizer, where);
    post_processor_ = make_post_processor(json_->post_processor, where);
    decoder_ = make_decoder(json_->decoder, where);
    const BpeModel& model = *model_;
    added_ = std::make_unique<AddedVocabulary>(
        json_->added_tokens, model.vocab_count(), [&](std::string_view s) { return model.token_to_id(s); },
        normalizer_.get());
}

Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

void Tokenizer::encode_text_segment(std::string_view text, bool at_origin, std::vector<std::int32_t>& out) const {
    if (text.empty()) return;
    std::string normalized(text);
    if (normalizer_) normalizer_->normalize(normalized);
    for (const AddedVocabulary::Segment& seg : added_->split(normalized, true)) {
        if (seg.id >= 0) {
            out.push_back(seg.id);
            continue;
        }
        if (seg.end == seg.start) continue;
        std::vector<PreToken> pieces;
        pieces.push_back({normalized.substr(seg.start, seg.end - seg.start), at_origin && seg.start == 0});
        if (pre_tokenizer_) pre_tokenizer_->pre_tokenize(pieces);
        for (const PreToken& p : pieces) model_->tokenize(p.text, out);
    }
}

std::vector<std::int32_t> Tokenizer::encode(std::string_view text, bool add_special_tokens) const {
    if (!utf8::is_valid(text)) throw InputError("input text", "not valid UTF-8");
    std::vector<std::int32_t> ids;
    ids.reserve(text.size() / 3 + 4);
    if (sp_) {
        if (add_special_tokens && sp_->bos_id() >= 0) ids.push_back(sp_->bos_id());
        sp_->encode(text, ids);
        return ids;
    }
    for (const AddedVocabulary::Segment& seg : added_->split(text, false)) {
        if (seg.id >= 0)
            ids.push_back(seg.id);
        else
            encode_text_segment(text.substr(seg.start, seg.end - seg.start), seg.start == 0, ids);
    }
    if (post_processor_) post_processor_->process(ids, add_special_tokens);
    return ids;
}

std::optional<std::string> Tokenizer::id_to_token(std::int32_t id) const {
    if (sp_) return sp_->id_to_piece(id);
    if (auto added = added_->id_to_token(id)) return std::string(*added);
    const auto& vocab = json_->vocab_by_id;
    if (id >= 0 && static_cast<std::size_t>(id) < vocab.size() && json_->has_id[static_cast<std::size_t>(id)])
        return vocab[static_cast<std::size_t>(id)];
    return std::nullopt;
}

std::int32_t Tokenizer::token_to_id(std::string_view token) const {
    if (sp_) return sp_->piece_to_id(token);
    std::int32_t id = added_->token_to_id(token);
    return id >= 0 ? id : model_->token_to_id(token);
}

std::size_t Tokenizer::vocab_size() const {
    if (sp_) return sp_->size();
    return std::max(json_->vocab_by_id.size(), static_cast<std::size_t>(added_->max_id() + 1));
}

bool Tokenizer::is_special_id(std::int32_t id) const {
    if (sp_) return sp_->is_special(id);
    auto token = id_to_token(id);
    return token && added_->is_special(*token);
}

std::string Tokenizer::decode(std::span<const std::int32_t> ids, bool skip_special_tokens) const {
    if (sp_) return sp_->decode(ids, skip_special_tokens);
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (std::int32_t id : ids) {
        auto token = id_to_token(id);
        if (!token) continue;
        if (skip_special_tokens && added_->is_special(*token)) continue;
        tokens.push_back(std::move(*token));
    }
    if (decoder_) return decoder_->decode(std::move(tokens));
    std::string out;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        if (i) out += ' ';
        out += tokens[i];
    }
    return out;
}

}  // namespace lineage::model
