// The supported post-processors (see post_processor.h), mirroring tokenizers/src/processors.
#include "reference_model/tokenizer/post_processor.h"

#include "reference_model/tokenizer/component_spec.h"

namespace lineage::model {

namespace {

class IdentityProcessor final : public PostProcessor {
public:
    void process(std::vector<std::int32_t>&, bool) const override {}
};

// A single-sequence template: pieces are either the sequence ("A") or a run of special-token ids.
class TemplateProcessor final : public PostProcessor {
public:
    struct Piece {
        bool is_sequence;
        std::vector<std::int32_t> ids;
    };
    explicit TemplateProcessor(std::vector<Piece> pieces) : pieces_(std::move(pieces)) {}
    void process(std::vector<std::int32_t>& ids, bool add_special_tokens) const override {
        if (!add_special_tokens) return;
        std::vector<std::int32_t> out;
        out.reserve(ids.size() + 4);
        for (const Piece& p : pieces_) {
            if (p.is_sequence)
                out.insert(out.end(), ids.begin(), ids.end());
            else
                out.insert(out.end(), p.ids.begin(), p.ids.end());
        }
        ids = std::move(out);
    }

private:
    std::vector<Piece> pieces_;
};

// <cls> sequence <sep> (Roberta and Bert differ only for pairs and offsets).
class WrapProcessor final : public PostProcessor {
public:
    WrapProcessor(std::int32_t cls, std::int32_t sep) : cls_(cls), sep_(sep) {}
    void process(std::vector<std::int32_t>& ids, bool add_special_tokens) const override {
        if (!add_special_tokens) return;
        ids.insert(ids.begin(), cls_);
        ids.push_back(sep_);
    }

private:
    std::int32_t cls_, sep_;
};

class SequenceProcessor final : public PostProcessor {
public:
    explicit SequenceProcessor(std::vector<std::unique_ptr<PostProcessor>> steps) : steps_(std::move(steps)) {}
    void process(std::vector<std::int32_t>& ids, bool add_special_tokens) const override {
        for (const auto& s : steps_) s->process(ids, add_special_tokens);
    }

private:
    std::vector<std::unique_ptr<PostProcessor>> steps_;
};

std::int32_t token_id_of_pair(const ComponentSpec& spec, std::string_view key) {
    const JsonValue* v = spec.field(key);
    if (!v || !v->is_array() || v->as_array().size() != 2 || !v->as_array()[1].is_integer())
        spec.fail_field(key, "expected [token, id]");
    std::int64_t id = v->as_array()[1].as_int();
    if (id < 0 || id >= (std::int64_t(1) << 24)) spec.fail_field(key, "id out of range");
    return static_cast<std::int32_t>(id);
}

std::unique_ptr<PostProcessor> make_template(const ComponentSpec& spec) {
    const JsonValue* specials = spec.field("special_tokens");
    std::vector<TemplateProcessor::Piece> pieces;
    for (const JsonValue& item : spec.require_array("single")) {
        if (const JsonValue* seq = item.find("Sequence")) {
            const JsonValue* id = seq->find("id");
            if (!id || !id->is_string() || id->as_string() != "A")
                spec.fail_field("single", "a single-sequence template may only use sequence A");
            pieces.push_back({true, {}});
            continue;
        }
        const JsonValue* special = item.find("SpecialToken");
        const JsonValue* name = special ? special->find("id") : nullptr;
        if (!name || !name->is_string()) spec.fail_field("single", "expected Sequence or SpecialToken entries");
        const JsonValue* entry = specials ? specials->find(name->as_string()) : nullptr;
        const JsonValue* ids = entry ? entry->find("ids") : nullptr;
        if (!ids || !ids->is_array())
            spec.fail_field("special_tokens", "no ids for '" + name->as_string() + "'");
        TemplateProcessor::Piece piece{false, {}};
        for (const JsonValue& id : ids->as_array()) {
            if (!id.is_integer() || id.as_int() < 0 || id.as_int() >= (std::int64_t(1) << 24))
                spec.fail_field("special_tokens", "bad id for '" + name->as_string() + "'");
            piece.ids.push_back(static_cast<std::int32_t>(id.as_int()));
        }
        pieces.push_back(std::move(piece));
    }
    return std::make_unique<TemplateProcessor>(std::move(pieces));
}

}  // namespace

std::unique_ptr<PostProcessor> make_post_processor(const JsonValue& json, std::string_view where) {
    if (json.is_null()) return nullptr;
    ComponentSpec spec(json, where, "post_processor");
    const std::string& type = spec.type();
    if (type == "ByteLevel") return std::make_unique<IdentityProcessor>();
    if (type == "TemplateProcessing") return make_template(spec);
    if (type == "RobertaProcessing" || type == "BertProcessing")
        return std::make_unique<WrapProcessor>(token_id_of_pair(spec, "cls"), token_id_of_pair(spec, "sep"));
    if (type == "Sequence") {
        std::vector<std::unique_ptr<PostProcessor>> steps;
        for (const JsonValue& step : spec.require_array("processors")) {
            auto p = make_post_processor(step, where);
            if (p) steps.push_back(std::move(p));
        }
        return std::make_unique<SequenceProcessor>(std::move(steps));
    }
    spec.unsupported();
}

}  // namespace lineage::model
