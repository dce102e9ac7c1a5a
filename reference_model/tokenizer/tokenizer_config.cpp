// Reading tokenizer_config.json into TokenizerConfig (format in tokenizer_config.h).
#include "reference_model/tokenizer/tokenizer_config.h"

#include <algorithm>

#include "reference_model/tokenizer/json_dom.h"
#include "weights/core/error.h"

namespace lineage::model {

namespace dom = simdjson::dom;
using json_dom::fail;

namespace {

// A special token: "text" or {"content": "text", ...}; nullopt when absent or null.
std::optional<std::string> special_token(dom::object root, std::string_view key, std::string_view where) {
    auto e = json_dom::optional_field(root, key);
    if (!e) return std::nullopt;
    std::string_view s;
    if (!e->get_string().get(s)) return std::string(s);
    dom::object o;
    if (!e->get_object().get(o)) {
        auto content = json_dom::optional_string(o, "content", where, key);
        if (content) return content;
    }
    fail(where, key, "expected a string or an object with 'content'");
}

std::optional<std::string> read_chat_template(dom::object root, std::string_view where) {
    auto e = json_dom::optional_field(root, "chat_template");
    if (!e) return std::nullopt;
    std::string_view s;
    if (!e->get_string().get(s)) return std::string(s);
    dom::array list;
    if (e->get_array().get(list)) fail(where, "chat_template", "expected a string or a list");
    std::optional<std::string> first;
    for (dom::element item : list) {
        dom::object o;
        if (item.get_object().get(o)) fail(where, "chat_template", "list entries must be objects");
        auto name = json_dom::optional_string(o, "name", where, "chat_template.name");
        auto text = json_dom::optional_string(o, "template", where, "chat_template.template");
        if (!text) fail(where, "chat_template", "an entry lacks 'template'");
        if (name && *name == "default") return text;
        if (!first) first = text;
    }
    return first;
}

}  // namespace

TokenizerConfig TokenizerConfig::load(const std::filesystem::path& path) {
    simdjson::padded_string text = json_dom::read_file(path);
    return parse(std::string_view(text.data(), text.size()), path.string());
}

TokenizerConfig TokenizerConfig::parse(std::string_view text, std::string_view where) {
    simdjson::padded_string padded(text);
    dom::parser parser;
    dom::element root_element = json_dom::parse(parser, padded, where);
    dom::object root;
    if (root_element.get_object().get(root)) fail(where, "", "expected a JSON object");

    TokenizerConfig out;
    out.path = std::string(where);
    out.bos_token = special_token(root, "bos_token", where);
    out.eos_token = special_token(root, "eos_token", where);
    out.unk_token = special_token(root, "unk_token", where);
    out.pad_token = special_token(root, "pad_token", where);
    out.sep_token = special_token(root, "sep_token", where);
    out.cls_token = special_token(root, "cls_token", where);
    out.mask_token = special_token(root, "mask_token", where);
    if (auto list = json_dom::optional_field(root, "additional_special_tokens")) {
        dom::array items;
        if (list->get_array().get(items)) fail(where, "additional_special_tokens", "expected a list");
        for (dom::element item : items) {
            std::string_view s;
            dom::object o;
            if (!item.get_string().get(s))
                out.additional_special_tokens.emplace_back(s);
            else if (!item.get_object().get(o)) {
                auto content = json_dom::optional_string(o, "content", where, "additional_special_tokens");
                if (!content) fail(where, "additional_special_tokens", "an entry lacks 'content'");
                out.additional_special_tokens.push_back(*content);
            } else {
                fail(where, "additional_special_tokens", "entries must be strings or objects");
            }
        }
    }
    out.chat_template = read_chat_template(root, where);
    out.tokenizer_class =
        json_dom::optional_string(root, "tokenizer_class", where, "tokenizer_class").value_or("");
    out.add_bos_token = json_dom::optional_bool(root, "add_bos_token", where, "add_bos_token");
    out.add_eos_token = json_dom::optional_bool(root, "add_eos_token", where, "add_eos_token");
    out.model_max_length =
        json_dom::optional_number(root, "model_max_length", where, "model_max_length");
    if (auto table = json_dom::optional_field(root, "added_tokens_decoder")) {
        dom::object entries;
        if (table->get_object().get(entries)) fail(where, "added_tokens_decoder", "expected an object");
        for (dom::key_value_pair kv : entries) {
            AddedToken t;
            std::size_t used = 0;
            long long id = -1;
            try {
                id = std::stoll(std::string(kv.key), &used);
            } catch (const std::exception&) {
                used = 0;
            }
            if (used != kv.key.size() || id < 0 || id >= (1ll << 24))
                fail(where, "added_tokens_decoder", "key '" + std::string(kv.key) + "' is not a token id");
            dom::object o;
            if (kv.value.get_object().get(o)) fail(where, "added_tokens_decoder", "entries must be objects");
            auto content = json_dom::optional_string(o, "content", where, "added_tokens_decoder.content");
            if (!content) fail(where, "added_tokens_decoder", "entry " + std::to_string(id) + " lacks 'content'");
            t.id = static_cast<std::int32_t>(id);
            t.content = *content;
            std::string f = "added_tokens_decoder";
            t.special = json_dom::optional_bool(o, "special", where, f).value_or(false);
            t.single_word = json_dom::optional_bool(o, "single_word", where, f).value_or(false);
            t.lstrip = json_dom::optional_bool(o, "lstrip", where, f).value_or(false);
            t.rstrip = json_dom::optional_bool(o, "rstrip", where, f).value_or(false);
            t.normalized = json_dom::optional_bool(o, "normalized", where, f).value_or(!t.special);
            out.added_tokens_decoder.push_back(std::move(t));
        }
        std::sort(out.added_tokens_decoder.begin(), out.added_tokens_decoder.end(),
                  [](const AddedToken& a, const AddedToken& b) { return a.id < b.id; });
    }
    out.raw = json_dom::to_json_value(root_element);
    return out;
}

}  // namespace lineage::model
