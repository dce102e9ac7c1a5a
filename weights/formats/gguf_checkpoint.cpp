// GGUF file -> Checkpoint contents (gguf_checkpoint.h). Steps: parse (gguf.h); for each tensor,
// its DType (gguf_types.h), its row-major shape (ggml's ne reversed) and its Hugging Face name
// (gguf_names.h); stacked expert tensors [E, rows, cols] become E zero-copy per-expert views; for
// architectures llama.cpp permuted, the rows of q and k are put back in Hugging Face order.
//
// Memory: every tensor is a zero-copy view of the mapped file except the permuted q/k tensors,
// which are copied once in their stored (possibly quantised) form: rows are whole ggml blocks, so
// rows move without decoding. Cost: the bytes of all attn_q/attn_k tensors, e.g. about 1.3 GiB
// for an f16 Llama-3-8B (32 layers x (4096 + 1024) rows x 4096 x 2 bytes), 0.35 GiB at Q4_K.
#include "weights/formats/gguf_checkpoint.h"

#include <cstring>
#include <unordered_set>

#include "weights/core/error.h"
#include "weights/core/json_value.h"
#include "weights/core/mapped_file.h"
#include "weights/formats/gguf.h"
#include "weights/formats/gguf_names.h"
#include "weights/formats/gguf_types.h"

namespace lineage::weights {
namespace {

using Bytes = std::vector<std::byte>;

std::optional<std::int64_t> int_key(const GgufFile& g, const std::string& key) {
    const GgufValue* v = g.find(key);
    return v ? v->as_int() : std::nullopt;
}

std::optional<double> number_key(const GgufFile& g, const std::string& key) {
    const GgufValue* v = g.find(key);
    return v ? v->as_number() : std::nullopt;
}

// Rows of `src` (rows x row_bytes) reordered from llama.cpp's interleaved RoPE layout back to
// Hugging Face's: HF row h*hd + i*hd/2 + j is GGUF row h*hd + 2j + i (i in {0,1}, j < hd/2).
std::shared_ptr<Bytes> unpermute_rows(std::span<const std::byte> src, std::uint64_t rows, std::int64_t heads,
                                      const std::string& where, const std::string& name) {
    if (heads <= 0 || rows % static_cast<std::uint64_t>(heads) != 0 || (rows / heads) % 2 != 0)
        throw InputError(where, "tensor '" + name + "': " + std::to_string(rows) + " rows cannot be split into " +
                                    std::to_string(heads) + " heads of even size (attention.head_count wrong?)");
    const std::uint64_t hd = rows / static_cast<std::uint64_t>(heads), half = hd / 2;
    const std::size_t row_bytes = src.size() / rows;
    auto out = std::make_shared<Bytes>(src.size());
    for (std::uint64_t h = 0; h < static_cast<std::uint64_t>(heads); ++h)
        for (std::uint64_t i = 0; i < 2; ++i)
            for (std::uint64_t j = 0; j < half; ++j) {
                const std::uint64_t hf_row = h * hd + i * half + j, gguf_row = h * hd + 2 * j + i;
                std::memcpy(out->data() + hf_row * row_bytes, src.data() + gguf_row * row_bytes, row_bytes);
            }
    return out;
}

// config.json fields from the GGUF hyper-parameter keys ("<arch>.embedding_length", ...).
ModelConfig synthesize_config(const GgufFile& g, const std::string& arch, const GgufArchitecture* row,
                              const std::vector<TensorInfo>& tensors, const std::string& where) {
    auto has = [&](std::string_view name) {
        for (const auto& t : tensors)
            if (t.name == name) return true;
        return false;
    };
    JsonValue c = JsonValue::object();
    auto arr = JsonValue::array();
    arr.as_array().push_back(JsonValue(std::string(row ? row->hf_architecture : arch)));
    c.set("architectures", std::move(arr));
    c.set("model_type", JsonValue(std::string(row ? row->model_type : arch)));
    const std::string p = arch + ".";
    struct IntKey { const char* gguf; const char* hf; };
    static constexpr IntKey kInts[] = {
        {"embedding_length", "hidden_size"}, {"block_count", "num_hidden_layers"},
        {"attention.head_count", "num_attention_heads"}, {"attention.head_count_kv", "num_key_value_heads"},
        {"feed_forward_length", "intermediate_size"}, {"context_length", "max_position_embeddings"},
        {"attention.key_length", "head_dim"}, {"vocab_size", "vocab_size"},
        {"expert_count", "num_experts"}, {"expert_used_count", "num_experts_per_tok"},
        {"expert_feed_forward_length", "moe_intermediate_size"},
        {"expert_shared_feed_forward_length", "shared_expert_intermediate_size"},
        {"attention.sliding_window", "sliding_window"},
    };
    for (const auto& k : kInts)
        if (auto v = int_key(g, p + k.gguf)) c.set(k.hf, JsonValue(*v));
    if (auto eps = number_key(g, p + "attention.layer_norm_rms_epsilon")) c.set("rms_norm_eps", JsonValue(*eps));
    else if (auto eps2 = number_key(g, p + "attention.layer_norm_epsilon")) c.set("layer_norm_eps", JsonValue(*eps2));
    if (auto theta = number_key(g, p + "rope.freq_base")) c.set("rope_theta", JsonValue(*theta));
    if (!c.find("vocab_size"))
        if (const TensorInfo* emb = [&]() -> const TensorInfo* {
                for (const auto& t : tensors)
                    if (t.name == "model.embed_tokens.weight") return &t;
                return nullptr;
            }())
            c.set("vocab_size", JsonValue(emb->rows()));
    c.set("tie_word_embeddings", JsonValue(!has("lm_head.weight")));
    c.set("attention_bias", JsonValue(has("model.layers.0.self_attn.q_proj.bias")));
    return ModelConfig::from_json(c, where + " (GGUF metadata)");
}

}  // namespace

FormatContents read_gguf_checkpoint_file(const std::filesystem::path& file) {
    const std::string where = file.string();
    auto map = MappedFile::open(where);
    const GgufFile g = parse_gguf(map->bytes(), where);

    const GgufValue* arch_value = g.find("general.architecture");
    const std::string arch = arch_value && arch_value->as_string() ? *arch_value->as_string() : "";
    bool with_experts = false;
    for (const auto& t : g.tensors) with_experts = with_experts || t.name.find("_exps.") != std::string::npos;
    const GgufArchitecture* row = gguf_architecture(arch, with_experts);
    const ExpertNaming experts = row ? row->experts : ExpertNaming::qwen_moe;
    const std::int64_t n_head = int_key(g, arch + ".attention.head_count").value_or(0);
    const std::int64_t n_head_kv = int_key(g, arch + ".attention.head_count_kv").value_or(n_head);

    FormatContents out;
    std::unordered_set<std::string> names;
    for (const auto& gt : g.tensors) {
        const GgmlType* type = ggml_type(gt.ggml_type);  // known: checked by the parser
        if (!type->dtype)
            throw UnsupportedError(where, "tensor '" + gt.name + "': ggml type " + std::string(type->name) +
                                              " is not read by this version (supported: F32, F16, BF16, Q4_0, Q4_1, "
                                              "Q5_0, Q5_1, Q8_0, Q2_K..Q6_K)");
        const auto hf = hf_tensor_name(gt.name, experts);
        if (!hf) continue;
        TensorInfo t;
        t.name = *hf;
        t.dtype = *type->dtype;
        for (auto it = gt.ne.rbegin(); it != gt.ne.rend(); ++it) t.shape.push_back(static_cast<std::int64_t>(*it));
        t.num_elements = gt.num_elements;
        t.file = where;
        t.file_offset = g.data_offset + gt.offset;
        t.bytes = map->bytes().subspan(t.file_offset, gt.byte_size);

        if (const char role = gguf_qk_role(gt.name); role && row && row->permuted_qk) {
            const std::int64_t heads = role == 'q' ? n_head : n_head_kv;
            if (t.shape.size() == 1 && is_block_type(t.dtype))
                throw UnsupportedError(where, "tensor '" + gt.name + "': a block-quantised bias cannot be un-permuted");
            auto permuted = unpermute_rows(t.bytes, static_cast<std::uint64_t>(t.rows()), heads, where, gt.name);
            t.bytes = std::span<const std::byte>(permuted->data(), permuted->size());
            out.owners.push_back(std::move(permuted));
        }

        const auto e = t.name.find("{E}");
        if (e == std::string::npos) {
            if (!names.insert(t.name).second)
                throw InputError(where, "tensors map to the same name '" + t.name + "'");
            out.tensors.push_back(std::move(t));
            continue;
        }
        // Stacked experts [E, rows, cols]: one contiguous slab per expert.
        if (t.shape.size() != 3)
            throw InputError(where, "tensor '" + gt.name + "': expert tensor of " + std::to_string(t.shape.size()) +
                                        " dimensions (expected 3)");
        const auto n_exp = static_cast<std::uint64_t>(t.shape[0]);
        const std::uint64_t slab = t.bytes.size() / n_exp;
        for (std::uint64_t x = 0; x < n_exp; ++x) {
            TensorInfo one;
            one.name = t.name.substr(0, e) + std::to_string(x) + t.name.substr(e + 3);
            one.dtype = t.dtype;
            one.shape = {t.shape[1], t.shape[2]};
            one.num_elements = t.num_elements / n_exp;
            one.file = where;
            one.file_offset = t.file_offset + x * slab;
            one.bytes = t.bytes.subspan(x * slab, slab);
            if (!names.insert(one.name).second)
                throw InputError(where, "tensors map to the same name '" + one.name + "'");
            out.tensors.push_back(std::move(one));
        }
    }

    for (const auto& [k, v] : g.metadata) {
        std::string text = v.to_text();
        if (text.size() > 200) text = text.substr(0, 200) + "...";
        out.metadata.emplace_back(k, std::move(text));
    }
    if (!arch.empty()) out.config = synthesize_config(g, arch, row, out.tensors, where);
    out.owners.push_back(std::move(map));
    return out;
}

}  // namespace lineage::weights
