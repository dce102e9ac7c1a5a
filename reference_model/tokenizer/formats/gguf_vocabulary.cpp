// GGUF-embedded tokenizer -> Vocabulary (see gguf_vocabulary.h). The container is parsed by the
// weights layer's GGUF parser (weights/formats/gguf.h), which validates every count and length.
#include "reference_model/tokenizer/formats/gguf_vocabulary.h"

#include <unordered_map>

#include "reference_model/tokenizer/formats/canonical_merges.h"
#include "reference_model/tokenizer/formats/token_bytes.h"
#include "weights/core/error.h"
#include "weights/core/mapped_file.h"
#include "weights/formats/gguf.h"

namespace lineage::model {
namespace {

using weights::GgufFile;
using weights::GgufValue;
using weights::GgufValueType;

// llama.cpp's llama_token_type values.
enum : std::int64_t { kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6 };

const std::vector<GgufValue>* array_of(const GgufFile& g, const char* key, GgufValueType element,
                                       const std::string& where) {
    const GgufValue* v = g.find(key);
    if (!v) return nullptr;
    const auto* items = v->as_array();
    if (!items || v->element_type != element)
        throw InputError(where, std::string(key) + " is not an array of " +
                                    std::string(weights::gguf_value_type_name(element)));
    return items;
}

std::string text_of(const GgufFile& g, const char* key) {
    const GgufValue* v = g.find(key);
    return v && v->as_string() ? *v->as_string() : std::string();
}

}  // namespace

Vocabulary vocabulary_from_gguf(const std::filesystem::path& path) {
    const std::string where = path.string();
    const auto map = weights::MappedFile::open(where);
    const GgufFile g = weights::parse_gguf(map->bytes(), where);

    const std::string model = text_of(g, "tokenizer.ggml.model");
    if (model.empty()) throw UnsupportedError(where, "GGUF file embeds no tokenizer (no tokenizer.ggml.model)");
    if (model != "gpt2" && model != "llama")
        throw UnsupportedError(where, "GGUF tokenizer model '" + model + "' is not read (supported: gpt2, llama)");
    const bool byte_level = model == "gpt2";
    const auto* tokens = array_of(g, "tokenizer.ggml.tokens", GgufValueType::string, where);
    if (!tokens) throw InputError(where, "tokenizer.ggml.tokens is missing");
    const auto* types = array_of(g, "tokenizer.ggml.token_type", GgufValueType::i32, where);
    if (types && types->size() != tokens->size())
        throw InputError(where, "tokenizer.ggml.token_type has " + std::to_string(types->size()) +
                                    " entries for " + std::to_string(tokens->size()) + " tokens");

    Vocabulary v;
    v.format = VocabFormat::gguf;
    v.source_path = where;
    v.hints.model_type = "BPE";
    v.hints.byte_level = byte_level;
    if (auto pre = text_of(g, "tokenizer.ggml.pre"); !pre.empty()) v.hints.pre_tokenizer = "GGUF pre " + pre;
    v.hints.chat_template_family = chat_template_family(text_of(g, "tokenizer.chat_template"));
    const std::size_t n = tokens->size();
    v.bytes_by_id.resize(n);
    v.kind_by_id.assign(n, TokenKind::absent);
    for (std::size_t id = 0; id < n; ++id) {
        const std::string& surface = *(*tokens)[id].as_string();
        const std::int64_t type = types ? (*types)[id].as_int().value_or(kNormal) : kNormal;
        auto bad = [&](const char* what) {
            return InputError(where, "token " + std::to_string(id) + " '" + surface.substr(0, 40) + "' " + what);
        };
        switch (type) {
            case kNormal:
                if (byte_level) {
                    auto bytes = decode_byte_level(surface);
                    if (!bytes) throw bad("is not a byte-level BPE token (a character outside the byte-to-unicode map)");
                    v.bytes_by_id[id] = std::move(*bytes);
                } else {
                    v.bytes_by_id[id] = decode_metaspace(surface);
                }
                v.kind_by_id[id] = TokenKind::normal;
                break;
            case kByte: {
                auto b = parse_byte_piece(surface);
                if (!b) throw bad("is typed BYTE but is not <0xNN>");
                v.bytes_by_id[id] = std::string(1, static_cast<char>(*b));
                v.kind_by_id[id] = TokenKind::byte;
                v.hints.byte_fallback = true;
                break;
            }
            case kUnknown:
            case kControl:
                v.bytes_by_id[id] = surface;
                v.kind_by_id[id] = TokenKind::control;
                v.hints.special_tokens.push_back(surface);
                break;
            case kUserDefined:
                v.bytes_by_id[id] = byte_level ? surface : decode_metaspace(surface);
                v.kind_by_id[id] = TokenKind::added;
                break;
            case kUnused:
                v.bytes_by_id[id] = surface;
                v.kind_by_id[id] = TokenKind::unused;
                break;
            default: throw bad(("has unknown token type " + std::to_string(type)).c_str());
        }
    }

    const auto* merges = array_of(g, "tokenizer.ggml.merges", GgufValueType::string, where);
    if (merges && !merges->empty()) {
        std::unordered_map<std::string_view, std::int32_t> by_surface;
        by_surface.reserve(n);
        for (std::size_t id = 0; id < n; ++id) by_surface.emplace(*(*tokens)[id].as_string(), static_cast<std::int32_t>(id));
        v.merges.reserve(merges->size());
        for (std::size_t r = 0; r < merges->size(); ++r) {
            const std::string& m = *(*merges)[r].as_string();
            const auto space = m.find(' ', 1);
            auto a = space == std::string::npos ? by_surface.end() : by_surface.find(std::string_view(m).substr(0, space));
            auto b = space == std::string::npos ? by_surface.end() : by_surface.find(std::string_view(m).substr(space + 1));
            if (a == by_surface.end() || b == by_surface.end())
                throw InputError(where, "merge " + std::to_string(r) + " names a token the vocabulary lacks");
            v.merges.emplace_back(a->second, b->second);
        }
    } else {
        v.merges = canonical_merges(v, &v.merge_results);
        v.merges_rebuilt = true;
    }
    return v;
}

}  // namespace lineage::model
