// Reading tokenizer.json into TokenizerJson (format documented in tokenizer_json.h). One pass over
// simdjson's DOM; the vocabulary is validated while it is copied (ids in range, no token twice, no
// id twice) and every merge is checked against it the way the `tokenizers` library checks it when
// it builds its BPE model, so a file we accept is one it accepts.
#include "reference_model/tokenizer/tokenizer_json.h"

#include <algorithm>

#include "reference_model/tokenizer/flat_maps.h"
#include "reference_model/tokenizer/json_dom.h"
#include "weights/core/error.h"

namespace lineage::model {

namespace dom = simdjson::dom;
using json_dom::fail;

namespace {

// Ids beyond this are certainly hostile (real vocabularies stay under 300k) and would make the
// by-id table allocation explode.
constexpr std::int64_t kMaxTokenId = std::int64_t(1) << 24;

// Real vocabularies leave only small gaps between ids (cl100k: 16 unused ids); a bound keeps a
// crafted file from making the by-id tables huge.
std::int64_t max_sensible_id(std::size_t count) {
    return std::min<std::int64_t>(kMaxTokenId, 4 * static_cast<std::int64_t>(count) + 4096);
}

std::string shown(std::string_view token) {
    constexpr std::size_t kMaxShown = 40;
    std::string out = "'";
    out += token.substr(0, kMaxShown);
    if (token.size() > kMaxShown) out += "...";
    out += "'";
    return out;
}

dom::object require_object(dom::element e, std::string_view where, std::string_view field) {
    dom::object o;
    if (e.get_object().get(o)) fail(where, field, "expected an object");
    return o;
}

ModelKind parse_model_kind(dom::object model, std::string_view where) {
    auto type = json_dom::optional_string(model, "type", where, "model.type");
    if (type) {
        if (*type == "BPE") return ModelKind::bpe;
        if (*type == "Unigram") return ModelKind::unigram;
        if (*type == "WordPiece") return ModelKind::wordpiece;
        if (*type == "WordLevel") return ModelKind::wordlevel;
        fail(where, "model.type",
             "unknown model type " + shown(*type) + " (expected BPE, Unigram, WordPiece or WordLevel)");
    }
    // Files written before models were tagged: the `tokenizers` library tells them apart by shape.
    dom::element vocab;
    if (!model.at_key("vocab").get(vocab) && vocab.is_array()) return ModelKind::unigram;
    if (json_dom::optional_field(model, "merges")) return ModelKind::bpe;
    if (json_dom::optional_field(model, "max_input_chars_per_word")) return ModelKind::wordpiece;
    return ModelKind::wordlevel;
}

// {token: id} vocabularies (BPE, WordPiece, WordLevel).
void read_vocab_object(dom::object model, std::string_view where, TokenizerJson& out) {
    auto vocab_element = json_dom::optional_field(model, "vocab");
    if (!vocab_element) fail(where, "model.vocab", "missing");
    dom::object vocab = require_object(*vocab_element, where, "model.vocab");
    std::int64_t max_id = -1;
    std::size_t count = 0;
    for (dom::key_value_pair kv : vocab) {
        std::int64_t id = 0;
        if (kv.value.get_int64().get(id) || id < 0 || id >= kMaxTokenId)
            fail(where, "model.vocab",
                 "token " + shown(kv.key) + " has an invalid id (expected an integer in 0.." +
                     std::to_string(kMaxTokenId - 1) + ")");
        max_id = std::max(max_id, id);
        ++count;
    }
    if (count == 0) fail(where, "model.vocab", "empty vocabulary");
    if (max_id >= max_sensible_id(count))
        fail(where, "model.vocab",
             "id " + std::to_string(max_id) + " is far beyond the vocabulary's " + std::to_string(count) +
                 " tokens (gaps that large mean a corrupt or hostile file)");
    out.vocab_by_id.assign(static_cast<std::size_t>(max_id + 1), std::string());
    out.has_id.assign(static_cast<std::size_t>(max_id + 1), false);
    for (dom::key_value_pair kv : vocab) {
        auto id = static_cast<std::size_t>(std::int64_t(kv.value));
        if (out.has_id[id]) {
            if (out.vocab_by_id[id] == kv.key)
                fail(where, "model.vocab", "token " + shown(kv.key) + " is listed twice");
            fail(where, "model.vocab",
                 "duplicate id " + std::to_string(id) + " for tokens " + shown(out.vocab_by_id[id]) +
                     " and " + shown(kv.key));
        }
        out.vocab_by_id[id] = std::string(kv.key);
        out.has_id[id] = true;
    }
    out.vocab_count = count;
}

void check_unique_tokens(const TokenizerJson& out, StringIdMap& index, std::string_view where) {
    index.reset(out.vocab_count);
    for (std::size_t id = 0; id < out.vocab_by_id.size(); ++id) {
        if (!out.has_id[id]) continue;
        std::int32_t previous = index.insert(out.vocab_by_id[id], static_cast<std::int32_t>(id));
        if (previous >= 0)
            fail(where, "model.vocab",
                 "duplicate token " + shown(out.vocab_by_id[id]) + " with ids " +
                     std::to_string(previous) + " and " + std::to_string(id));
    }
}

void read_merges(dom::object model, std::string_view where, TokenizerJson& out,
                 const StringIdMap& index) {
    auto merges_element = json_dom::optional_field(model, "merges");
    if (!merges_element) return;
    dom::array merges;
    if (merges_element->get_array().get(merges)) fail(where, "model.merges", "expected an array");
    out.merge_ids.reserve(merges.size());
    std::string merged;
    std::size_t rank = 0;
    std::int32_t next_merged_id = 0;
    for (dom::element m : merges) {
        std::string_view a, b;
        std::string_view text;
        dom::array pair;
        if (!m.get_string().get(text)) {
            // Legacy form "a b": split at the first space.
            auto space = text.find(' ');
            if (space == std::string_view::npos)
                fail(where, "model.merges",
                     "merge " + std::to_string(rank) + " " + shown(text) + " is not \"a b\"");
            a = text.substr(0, space);
            b = text.substr(space + 1);
        } else if (!m.get_array().get(pair) && pair.size() == 2 && !pair.at(0).get_string().get(a) &&
                   !pair.at(1).get_string().get(b)) {
        } else {
            fail(where, "model.merges",
                 "merge " + std::to_string(rank) + " is neither \"a b\" nor [\"a\", \"b\"]");
        }
        std::int32_t ids[2] = {index.find(a), index.find(b)};
        for (int k = 0; k < 2; ++k)
            if (ids[k] < 0)
                fail(where, "model.merges",
                     "merge " + std::to_string(rank) + " uses token " + shown(k == 0 ? a : b) +
                         " that is not in the vocabulary");
        std::size_t prefix = out.continuing_subword_prefix.size();
        if (b.size() < prefix)
            fail(where, "model.merges",
                 "merge " + std::to_string(rank) + " right side " + shown(b) +
                     " is shorter than the continuing-subword prefix");
        merged.assign(a);
        merged.append(b.substr(prefix));
        // BPE vocabularies list merged tokens in merge order, so the next id is checked first (a
        // sequential read; tokens are unique, so a hit is exactly what the hash lookup returns).
        const auto guess = static_cast<std::size_t>(next_merged_id);
        std::int32_t merged_id = guess < out.vocab_by_id.size() && out.has_id[guess] && out.vocab_by_id[guess] == merged
                                     ? static_cast<std::int32_t>(guess)
                                     : index.find(merged);
        if (merged_id < 0)
            fail(where, "model.merges",
                 "merge " + std::to_string(rank) + " produces token " + shown(merged) +
                     " that is not in the vocabulary");
        out.merge_ids.push_back({ids[0], ids[1], merged_id});
        next_merged_id = merged_id + 1;
        ++rank;
    }
}

void read_bpe_like(dom::object model, std::string_view where, TokenizerJson& out) {
    out.unk_token = json_dom::optional_string(model, "unk_token", where, "model.unk_token").value_or("");
    out.continuing_subword_prefix =
        json_dom::optional_string(model, "continuing_subword_prefix", where,
                                  "model.continuing_subword_prefix")
            .value_or(out.model_type == ModelKind::wordpiece ? "##" : "");
    out.end_of_word_suffix =
        json_dom::optional_string(model, "end_of_word_suffix", where, "model.end_of_word_suffix")
            .value_or("");
    out.fuse_unk = json_dom::optional_bool(model, "fuse_unk", where, "model.fuse_unk").value_or(false);
    out.byte_fallback =
        json_dom::optional_bool(model, "byte_fallback", where, "model.byte_fallback").value_or(false);
    out.ignore_merges =
        json_dom::optional_bool(model, "ignore_merges", where, "model.ignore_merges").value_or(false);
    out.dropout = json_dom::optional_number(model, "dropout", where, "model.dropout");
    if (auto n = json_dom::optional_int(model, "max_input_chars_per_word", where,
                                        "model.max_input_chars_per_word"))
        out.max_input_chars_per_word = *n;
    read_vocab_object(model, where, out);
    StringIdMap index;
    check_unique_tokens(out, index, where);
    if (out.model_type == ModelKind::bpe) read_merges(model, where, out, index);
}

void read_unigram(dom::object model, std::string_view where, TokenizerJson& out) {
    auto vocab_element = json_dom::optional_field(model, "vocab");
    if (!vocab_element) fail(where, "model.vocab", "missing");
    dom::array vocab;
    if (vocab_element->get_array().get(vocab)) fail(where, "model.vocab", "expected an array");
    if (vocab.size() == 0) fail(where, "model.vocab", "empty vocabulary");
    if (static_cast<std::int64_t>(vocab.size()) >= kMaxTokenId) fail(where, "model.vocab", "too many pieces");
    for (dom::element entry : vocab) {
        dom::array pair;
        std::string_view piece;
        double score = 0;
        if (entry.get_array().get(pair) || pair.size() != 2 || pair.at(0).get_string().get(piece) ||
            pair.at(1).get_double().get(score))
            fail(where, "model.vocab",
                 "piece " + std::to_string(out.unigram_pieces.size()) + " is not [piece, score]");
        out.unigram_pieces.emplace_back(std::string(piece), score);
        out.vocab_by_id.emplace_back(piece);
    }
    out.has_id.assign(out.vocab_by_id.size(), true);
    out.vocab_count = out.vocab_by_id.size();
    out.byte_fallback =
        json_dom::optional_bool(model, "byte_fallback", where, "model.byte_fallback").value_or(false);
    if (auto unk = json_dom::optional_int(model, "unk_id", where, "model.unk_id")) {
        if (*unk < 0 || *unk >= static_cast<std::int64_t>(out.vocab_by_id.size()))
            fail(where, "model.unk_id", "out of range");
        out.unk_id = *unk;
        out.unk_token = out.vocab_by_id[static_cast<std::size_t>(*unk)];
    }
    StringIdMap index;
    check_unique_tokens(out, index, where);
}

void read_added_tokens(dom::object root, std::string_view where, TokenizerJson& out) {
    auto added = json_dom::optional_field(root, "added_tokens");
    if (!added) return;
    dom::array list;
    if (added->get_array().get(list)) fail(where, "added_tokens", "expected an array");
    for (dom::element e : list) {
        dom::object o = require_object(e, where, "added_tokens");
        AddedToken t;
        auto id = json_dom::optional_int(o, "id", where, "added_tokens.id");
        auto content = json_dom::optional_string(o, "content", where, "added_tokens.content");
        if (!id || !content) fail(where, "added_tokens", "an entry lacks 'id' or 'content'");
        if (*id < 0 || *id >= max_sensible_id(out.vocab_by_id.size() + list.size()))
            fail(where, "added_tokens", "token " + shown(*content) + " has an invalid id " + std::to_string(*id));
        if (content->empty()) fail(where, "added_tokens", "an added token is empty");
        t.id = static_cast<std::int32_t>(*id);
        t.content = std::move(*content);
        t.special = json_dom::optional_bool(o, "special", where, "added_tokens.special").value_or(false);
        t.single_word =
            json_dom::optional_bool(o, "single_word", where, "added_tokens.single_word").value_or(false);
        t.lstrip = json_dom::optional_bool(o, "lstrip", where, "added_tokens.lstrip").value_or(false);
        t.rstrip = json_dom::optional_bool(o, "rstrip", where, "added_tokens.rstrip").value_or(false);
        t.normalized = json_dom::optional_bool(o, "normalized", where, "added_tokens.normalized")
                           .value_or(!t.special);
        out.added_tokens.push_back(std::move(t));
    }
}

JsonValue component(dom::object root, std::string_view key) {
    auto e = json_dom::optional_field(root, key);
    return e ? json_dom::to_json_value(*e) : JsonValue();
}

TokenizerJson parse_document(dom::element root_element, std::string_view where) {
    TokenizerJson out;
    out.path = std::string(where);
    dom::object root = require_object(root_element, where, "");
    auto model_element = json_dom::optional_field(root, "model");
    if (!model_element) fail(where, "model", "missing (is this a tokenizer.json?)");
    dom::object model = require_object(*model_element, where, "model");
    out.model_type = parse_model_kind(model, where);
    if (out.model_type == ModelKind::unigram)
        read_unigram(model, where, out);
    else
        read_bpe_like(model, where, out);
    read_added_tokens(root, where, out);
    out.normalizer = component(root, "normalizer");
    out.pre_tokenizer = component(root, "pre_tokenizer");
    out.post_processor = component(root, "post_processor");
    out.decoder = component(root, "decoder");
    return out;
}

}  // namespace

std::string_view model_kind_name(ModelKind kind) {
    switch (kind) {
        case ModelKind::bpe: return "BPE";
        case ModelKind::unigram: return "Unigram";
        case ModelKind::wordpiece: return "WordPiece";
        case ModelKind::wordlevel: return "WordLevel";
    }
    return "?";
}

TokenizerJson TokenizerJson::load(const std::filesystem::path& path) {
    simdjson::padded_string text = json_dom::read_file(path);
    dom::parser parser;
    std::string where = path.string();
    return parse_document(json_dom::parse(parser, text, where), where);
}

TokenizerJson TokenizerJson::parse(std::string_view text, std::string_view where) {
    simdjson::padded_string padded(text);
    dom::parser parser;
    return parse_document(json_dom::parse(parser, padded, where), where);
}

std::vector<std::string> TokenizerJson::full_vocab_by_id() const {
    std::vector<std::string> out = vocab_by_id;
    for (const AddedToken& t : added_tokens) {
        auto id = static_cast<std::size_t>(t.id);
        if (id >= out.size()) out.resize(id + 1);
        if (id >= vocab_by_id.size() || !has_id[id]) out[id] = t.content;
    }
    return out;
}

}  // namespace lineage::model
