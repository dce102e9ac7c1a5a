// Format -> Vocabulary reductions (see vocabulary_readers.h).
#include "reference_model/tokenizer/formats/vocabulary_readers.h"

#include <algorithm>

#include "reference_model/tokenizer/flat_maps.h"
#include "reference_model/tokenizer/formats/canonical_merges.h"
#include "reference_model/tokenizer/formats/token_bytes.h"
#include "weights/core/error.h"

namespace lineage::model {

namespace {

std::string type_of(const JsonValue& v) {
    const JsonValue* t = v.is_object() ? v.find("type") : nullptr;
    return t && t->is_string() ? t->as_string() : std::string();
}

bool contains_component(const JsonValue& v, std::string_view type) {
    if (v.is_object()) {
        if (type_of(v) == type) return true;
        for (const auto& [k, child] : v.as_object())
            if (contains_component(child, type)) return true;
    } else if (v.is_array()) {
        for (const JsonValue& child : v.as_array())
            if (contains_component(child, type)) return true;
    }
    return false;
}

std::string pattern_text(const JsonValue* p) {
    if (!p || !p->is_object()) return "?";
    for (const char* key : {"Regex", "String"})
        if (const JsonValue* s = p->find(key); s && s->is_string()) return s->as_string();
    return "?";
}

// One line per splitting step: the regexes are what "same pre-tokenizer" compares.
void describe_pre_tokenizer(const JsonValue& v, std::vector<std::string>& out) {
    if (!v.is_object()) return;
    std::string type = type_of(v);
    if (type == "Sequence") {
        if (const JsonValue* list = v.find("pretokenizers"); list && list->is_array())
            for (const JsonValue& c : list->as_array()) describe_pre_tokenizer(c, out);
    } else if (type == "Split") {
        out.push_back("Split " + pattern_text(v.find("pattern")));
    } else if (type == "ByteLevel") {
        const JsonValue* use_regex = v.find("use_regex");
        bool regex = !use_regex || !use_regex->is_bool() || use_regex->as_bool();
        out.push_back(regex ? "ByteLevel (GPT-2 split regex)" : "ByteLevel");
    } else if (type == "Metaspace") {
        const JsonValue* scheme = v.find("prepend_scheme");
        out.push_back("Metaspace " + (scheme && scheme->is_string() ? scheme->as_string() : std::string()));
    } else if (type == "Digits") {
        const JsonValue* ind = v.find("individual_digits");
        out.push_back(std::string("Digits") + (ind && ind->is_bool() && ind->as_bool() ? " individual" : ""));
    } else if (!type.empty()) {
        out.push_back(type);
    }
}

void describe_normalizer(const JsonValue& v, std::vector<std::string>& out) {
    if (!v.is_object()) return;
    std::string type = type_of(v);
    if (type == "Sequence") {
        if (const JsonValue* list = v.find("normalizers"); list && list->is_array())
            for (const JsonValue& c : list->as_array()) describe_normalizer(c, out);
    } else if (type == "Replace") {
        const JsonValue* content = v.find("content");
        out.push_back("Replace " + pattern_text(v.find("pattern")) + " -> " +
                      (content && content->is_string() ? content->as_string() : std::string()));
    } else if (type == "Prepend") {
        const JsonValue* p = v.find("prepend");
        out.push_back("Prepend " + (p && p->is_string() ? p->as_string() : std::string()));
    } else if (!type.empty()) {
        out.push_back(type);
    }
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i) out += sep;
        out += parts[i];
    }
    return out;
}

void place(Vocabulary& v, std::size_t id, std::string bytes, TokenKind kind) {
    if (id >= v.bytes_by_id.size()) {
        v.bytes_by_id.resize(id + 1);
        v.kind_by_id.resize(id + 1, TokenKind::absent);
    }
    v.bytes_by_id[id] = std::move(bytes);
    v.kind_by_id[id] = kind;
}

void rebuild_merges(Vocabulary& v) {
    v.merges = canonical_merges(v, &v.merge_results);
    v.merges_rebuilt = true;
}

}  // namespace

Vocabulary vocabulary_from_tokenizer_json(const TokenizerJson& tj) {
    Vocabulary v;
    v.format = VocabFormat::tokenizer_json;
    v.source_path = tj.path;
    v.hints.model_type = std::string(model_kind_name(tj.model_type));
    v.hints.byte_level = contains_component(tj.pre_tokenizer, "ByteLevel") ||
                         contains_component(tj.decoder, "ByteLevel");
    v.hints.byte_fallback = tj.byte_fallback;
    std::vector<std::string> parts;
    describe_pre_tokenizer(tj.pre_tokenizer, parts);
    v.hints.pre_tokenizer = join(parts, "\n");
    parts.clear();
    describe_normalizer(tj.normalizer, parts);
    v.hints.normalizer = join(parts, " + ");

    const std::size_t n = tj.vocab_by_id.size();
    v.bytes_by_id.resize(n);
    v.kind_by_id.assign(n, TokenKind::absent);
    // Added tokens are written as plain text even inside a byte-level vocabulary (DeepSeek V3
    // lists its specials in model.vocab): they are not decoded through the byte map.
    std::vector<bool> is_added(n, false);
    for (const AddedToken& t : tj.added_tokens)
        if (t.id >= 0 && static_cast<std::size_t>(t.id) < n) is_added[static_cast<std::size_t>(t.id)] = true;
    for (std::size_t id = 0; id < n; ++id) {
        if (!tj.has_id[id]) continue;
        const std::string& surface = tj.vocab_by_id[id];
        if (is_added[id]) {
            v.bytes_by_id[id] = surface;
            v.kind_by_id[id] = TokenKind::normal;  // kind set from the added-token entry below
        } else if (v.hints.byte_level) {
            auto bytes = decode_byte_level(surface);
            if (!bytes)
                throw InputError(tj.path, "token " + std::to_string(id) + " '" + surface.substr(0, 40) +
                                              "' is not a byte-level BPE token (a character outside the "
                                              "byte-to-unicode map)");
            v.bytes_by_id[id] = std::move(*bytes);
            v.kind_by_id[id] = TokenKind::normal;
        } else if (auto b = tj.byte_fallback ? parse_byte_piece(surface) : std::nullopt) {
            v.bytes_by_id[id] = std::string(1, static_cast<char>(*b));
            v.kind_by_id[id] = TokenKind::byte;
        } else {
            v.bytes_by_id[id] = decode_metaspace(surface);
            v.kind_by_id[id] = TokenKind::normal;
        }
    }
    if (tj.model_type == ModelKind::unigram && tj.unk_id >= 0 && static_cast<std::size_t>(tj.unk_id) < n)
        v.kind_by_id[static_cast<std::size_t>(tj.unk_id)] = TokenKind::control;

    // Added tokens: in-vocabulary ones change kind, the others extend the id range.
    std::vector<AddedToken> added = tj.added_tokens;
    std::sort(added.begin(), added.end(), [](const AddedToken& a, const AddedToken& b) { return a.id < b.id; });
    for (const AddedToken& t : added) {
        if (t.id < 0) continue;
        auto id = static_cast<std::size_t>(t.id);
        TokenKind kind = t.special ? TokenKind::control : TokenKind::added;
        if (id < n && tj.has_id[id]) {
            v.kind_by_id[id] = kind;  // bytes as decoded above
        } else {
            place(v, id, t.content, kind);
        }
        if (t.special) v.hints.special_tokens.push_back(t.content);
    }

    if (tj.model_type == ModelKind::bpe && !tj.merge_ids.empty()) {
        // TokenizerJson::load resolved every merge against the same vocabulary already: reuse it.
        v.merges.reserve(tj.merge_ids.size());
        for (const auto& m : tj.merge_ids) v.merges.emplace_back(m[0], m[1]);
    } else {
        rebuild_merges(v);
    }
    return v;
}

Vocabulary vocabulary_from_sentencepiece(const SentencePieceModel& sp) {
    Vocabulary v;
    v.format = VocabFormat::sentencepiece;
    v.source_path = sp.path;
    v.hints.model_type = sp.model_type == 2 ? "BPE" : sp.model_type == 1 ? "Unigram"
                                                                           : std::string(sentencepiece_model_type_name(sp.model_type));
    v.hints.byte_fallback = sp.byte_fallback;
    v.hints.pre_tokenizer = std::string("SentencePiece") + (sp.add_dummy_prefix ? " add_dummy_prefix" : "") +
                            (sp.split_digits ? " split_digits" : "");
    v.hints.normalizer = sp.normalizer_name;
    const std::size_t n = sp.pieces.size();
    v.bytes_by_id.resize(n);
    v.kind_by_id.resize(n);
    for (std::size_t id = 0; id < n; ++id) {
        const SentencePiecePiece& p = sp.pieces[id];
        switch (p.type) {
            case PieceType::normal: v.bytes_by_id[id] = decode_metaspace(p.piece); v.kind_by_id[id] = TokenKind::normal; break;
            case PieceType::byte: {
                auto b = parse_byte_piece(p.piece);
                if (!b) throw InputError(sp.path, "BYTE piece " + std::to_string(id) + " '" + p.piece.substr(0, 40) + "' is not <0xNN>");
                v.bytes_by_id[id] = std::string(1, static_cast<char>(*b));
                v.kind_by_id[id] = TokenKind::byte;
                break;
            }
            case PieceType::unknown:
            case PieceType::control:
                v.bytes_by_id[id] = p.piece;
                v.kind_by_id[id] = TokenKind::control;
                v.hints.special_tokens.push_back(p.piece);
                break;
            case PieceType::user_defined: v.bytes_by_id[id] = decode_metaspace(p.piece); v.kind_by_id[id] = TokenKind::added; break;
            case PieceType::unused: v.bytes_by_id[id] = p.piece; v.kind_by_id[id] = TokenKind::unused; break;
        }
    }
    rebuild_merges(v);
    return v;
}

Vocabulary vocabulary_from_tiktoken(const TiktokenRanks& ranks) {
    Vocabulary v;
    v.format = VocabFormat::tiktoken;
    v.source_path = ranks.path;
    v.hints.model_type = "BPE";
    v.hints.byte_level = true;
    v.bytes_by_id = ranks.bytes_by_rank;
    v.kind_by_id.resize(v.bytes_by_id.size());
    for (std::size_t r = 0; r < v.kind_by_id.size(); ++r)
        v.kind_by_id[r] = ranks.present[r] ? TokenKind::normal : TokenKind::absent;
    rebuild_merges(v);
    return v;
}

Vocabulary vocabulary_from_tekken(const TekkenModel& tekken) {
    Vocabulary v;
    v.format = VocabFormat::tekken;
    v.source_path = tekken.path;
    v.hints.model_type = "BPE";
    v.hints.byte_level = true;
    v.hints.pre_tokenizer = tekken.pattern.empty() ? "" : "Split " + tekken.pattern;
    for (const TekkenSpecial& s : tekken.specials) {
        place(v, static_cast<std::size_t>(s.rank), s.text, s.is_control ? TokenKind::control : TokenKind::added);
        v.hints.special_tokens.push_back(s.text);
    }
    const std::size_t base = static_cast<std::size_t>(tekken.num_special);
    for (std::size_t r = 0; r < tekken.vocab_bytes.size(); ++r) place(v, base + r, tekken.vocab_bytes[r], TokenKind::normal);
    rebuild_merges(v);
    return v;
}

void apply_tokenizer_config(Vocabulary& vocab, const TokenizerConfig& config) {
    vocab.hints.tokenizer_class = config.tokenizer_class;
    if (config.chat_template) vocab.hints.chat_template_family = chat_template_family(*config.chat_template);
    if (vocab.hints.special_tokens.empty()) {
        for (const AddedToken& t : config.added_tokens_decoder)
            if (t.special) vocab.hints.special_tokens.push_back(t.content);
        for (const auto* named : {&config.bos_token, &config.eos_token, &config.unk_token, &config.pad_token})
            if (*named && std::find(vocab.hints.special_tokens.begin(), vocab.hints.special_tokens.end(), **named) ==
                              vocab.hints.special_tokens.end())
                vocab.hints.special_tokens.push_back(**named);
    }
}

}  // namespace lineage::model
