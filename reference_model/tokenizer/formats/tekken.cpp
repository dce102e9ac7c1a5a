// tekken.json reader (format in the header).
#include "reference_model/tokenizer/formats/tekken.h"

#include <simdjson.h>

#include "reference_model/tokenizer/flat_maps.h"
#include "reference_model/tokenizer/formats/token_bytes.h"
#include "reference_model/tokenizer/json_dom.h"
#include "weights/core/error.h"

namespace lineage::model {

namespace dom = simdjson::dom;

TekkenModel TekkenModel::parse(std::string_view text, std::string_view where) {
    simdjson::padded_string padded(text);
    dom::parser parser;
    dom::element root = json_dom::parse(parser, padded, where);
    auto fail = [&](const std::string& problem) -> void { throw InputError(std::string(where), problem); };
    dom::object top;
    if (root.get_object().get(top)) fail("tekken.json: top level is not an object");
    TekkenModel m;
    m.path = std::string(where);

    dom::object config;
    if (top["config"].get_object().get(config)) fail("tekken.json: field 'config' missing or not an object");
    m.pattern = json_dom::optional_string(config, "pattern", where, "config.pattern").value_or("");
    m.version = json_dom::optional_string(config, "version", where, "config.version").value_or("");
    auto vocab_size = json_dom::optional_int(config, "default_vocab_size", where, "config.default_vocab_size");
    auto num_special =
        json_dom::optional_int(config, "default_num_special_tokens", where, "config.default_num_special_tokens");

    dom::array vocab;
    if (top["vocab"].get_array().get(vocab)) fail("tekken.json: field 'vocab' missing or not an array");
    std::vector<std::string> bytes;
    std::int64_t expected_rank = 0;
    for (dom::element entry : vocab) {
        dom::object obj;
        if (entry.get_object().get(obj)) fail("tekken.json: vocab entry " + std::to_string(expected_rank) + " is not an object");
        std::int64_t rank;
        if (obj["rank"].get_int64().get(rank) || rank != expected_rank)
            fail("tekken.json: vocab entry " + std::to_string(expected_rank) + ": rank missing or out of order");
        std::string_view b64;
        if (obj["token_bytes"].get_string().get(b64))
            fail("tekken.json: vocab rank " + std::to_string(rank) + ": 'token_bytes' missing");
        auto decoded = decode_base64(b64);
        if (!decoded || decoded->empty())
            fail("tekken.json: vocab rank " + std::to_string(rank) + ": invalid base64 '" +
                 std::string(b64.substr(0, 64)) + "'");
        bytes.push_back(std::move(*decoded));
        ++expected_rank;
    }
    if (bytes.empty()) fail("tekken.json: empty vocabulary");

    dom::array specials;
    if (!top["special_tokens"].get_array().get(specials)) {
        for (dom::element entry : specials) {
            dom::object obj;
            if (entry.get_object().get(obj)) fail("tekken.json: special_tokens entry is not an object");
            TekkenSpecial s;
            std::string_view t;
            if (obj["rank"].get_int64().get(s.rank) || obj["token_str"].get_string().get(t))
                fail("tekken.json: special_tokens entry lacks 'rank' or 'token_str'");
            s.text = std::string(t);
            bool control = true;
            if (!obj["is_control"].get_bool().get(control)) s.is_control = control;
            m.specials.push_back(std::move(s));
        }
    }
    m.num_special = num_special.value_or(static_cast<std::int64_t>(m.specials.size()));
    // Real files use 1000; a cap keeps a hostile count from allocating millions of placeholders.
    if (m.num_special < 0 || m.num_special > (1 << 16)) fail("tekken.json: default_num_special_tokens out of range");
    std::vector<TekkenSpecial> by_rank(static_cast<std::size_t>(m.num_special));
    std::vector<bool> seen(by_rank.size(), false);
    for (auto& s : m.specials) {
        if (s.rank < 0 || s.rank >= m.num_special || seen[static_cast<std::size_t>(s.rank)])
            fail("tekken.json: special token '" + s.text + "' has rank " + std::to_string(s.rank) +
                 " outside 0.." + std::to_string(m.num_special - 1) + " or repeated");
        seen[static_cast<std::size_t>(s.rank)] = true;
        by_rank[static_cast<std::size_t>(s.rank)] = std::move(s);
    }
    for (std::size_t r = 0; r < by_rank.size(); ++r)
        if (!seen[r]) by_rank[r] = TekkenSpecial{static_cast<std::int64_t>(r), "<SPECIAL_" + std::to_string(r) + ">", true};
    m.specials = std::move(by_rank);

    m.default_vocab_size = vocab_size.value_or(m.num_special + static_cast<std::int64_t>(bytes.size()));
    std::int64_t keep = m.default_vocab_size - m.num_special;
    if (keep <= 0) fail("tekken.json: default_vocab_size leaves no room for the vocabulary");
    if (keep < static_cast<std::int64_t>(bytes.size())) bytes.resize(static_cast<std::size_t>(keep));
    StringIdMap dup(bytes.size());
    for (std::size_t r = 0; r < bytes.size(); ++r) {
        std::int32_t prev = dup.insert(bytes[r], static_cast<std::int32_t>(r));
        if (prev >= 0)
            fail("tekken.json: vocab rank " + std::to_string(r) + " duplicates rank " + std::to_string(prev));
    }
    m.vocab_bytes = std::move(bytes);
    return m;
}

TekkenModel TekkenModel::load(const std::filesystem::path& path) {
    simdjson::padded_string text = json_dom::read_file(path);
    return parse(std::string_view(text.data(), text.size()), path.string());
}

}  // namespace lineage::model
