// Builds an Inspection from an opened Checkpoint (see inspection.h) and writes its JSON form.
#include "weights/inspection.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "weights/core/convert.h"
#include "weights/core/mapped_file.h"
#include "weights/digest.h"

namespace lineage::weights {
namespace fs = std::filesystem;
namespace {

constexpr std::array<std::string_view, 9> kTokenizerFiles{
    "tokenizer.json", "tokenizer_config.json", "tokenizer.model", "vocab.json", "merges.txt",
    "vocab.txt", "special_tokens_map.json", "added_tokens.json", "tiktoken.model"};

JsonValue shape_json(std::span<const std::int64_t> shape) {
    JsonValue a = JsonValue::array();
    for (auto d : shape) a.push(static_cast<std::int64_t>(d));
    return a;
}

}  // namespace

std::span<const std::string_view> tokenizer_file_names() { return kTokenizerFiles; }

void count_nonfinite(const TensorInfo& t, std::uint64_t& nan_count, std::uint64_t& inf_count) {
    nan_count = inf_count = 0;
    if (!is_floating(t.dtype) || t.dtype == DType::C64 || t.dtype == DType::F6_E2M3 || t.dtype == DType::F6_E3M2)
        return;
    if (t.dtype == DType::BF16) {  // fast path on the bits (exponent all ones), 16 MiB at a time
        constexpr std::uint64_t kChunk = 8u << 20;  // elements
        const std::byte* p = t.bytes.data();
        for (std::uint64_t first = 0; first < t.num_elements; first += kChunk) {
            const std::uint64_t n = std::min(kChunk, t.num_elements - first);
            std::uint64_t nans = 0, infs = 0;
            for (std::uint64_t i = first; i < first + n; ++i) {
                std::uint16_t b;
                std::memcpy(&b, p + 2 * i, 2);
                const bool special = (b & 0x7F80u) == 0x7F80u;
                const bool mant = (b & 0x007Fu) != 0;
                nans += special && mant;
                infs += special && !mant;
            }
            nan_count += nans;
            inf_count += infs;
            if (t.bytes.size() > 2 * kChunk) release_pages(t.bytes.subspan(2 * first, 2 * n));
        }
        return;
    }
    stream_f32(t, 1 << 16, [&](std::uint64_t, std::span<const float> v) {
        for (float x : v) {
            nan_count += std::isnan(x);
            inf_count += std::isinf(x);
        }
    });
}

Inspection inspect_checkpoint(const Checkpoint& cp, const InspectOptions& options) {
    Inspection r;
    r.source = cp.source();
    r.root = cp.root().string();
    r.format = std::string(cp.format());
    r.from_hf_cache = cp.from_hf_cache();
    r.revision = cp.revision();
    if (cp.index_file()) r.index_file = cp.index_file()->filename().string();
    r.config = cp.config();
    r.quantization = cp.quantization();

    for (const auto& f : cp.files()) {
        InspectedFile file;
        file.name = f.lexically_relative(cp.root()).string();
        if (file.name.empty() || file.name.starts_with("..")) file.name = f.filename().string();
        std::error_code ec;
        file.size = fs::file_size(f, ec);
        if (options.file_digests) file.sha256 = sha256_file(f);
        r.files.push_back(std::move(file));
    }

    const auto tensors = cp.tensors();
    const auto roles = classify_tensors(tensors);
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        const auto& t = tensors[i];
        InspectedTensor it;
        it.info = &t;
        it.role = roles[i];
        if (options.scan_nonfinite) count_nonfinite(t, it.nan_count, it.inf_count);
        r.tensors_with_nonfinite += (it.nan_count + it.inf_count) > 0;
        r.total_parameters += t.num_elements;
        r.total_bytes += t.bytes.size();
        r.parameters_by_component[it.role.component] += t.num_elements;
        auto& d = r.dtypes[t.dtype];
        d.tensors += 1;
        d.parameters += t.num_elements;
        d.bytes += t.bytes.size();
        r.tensors.push_back(it);
    }
    if (r.config) r.mismatches = check_config(*r.config, tensors);
    // A weight that a quantised layout keeps packed (listed as not comparable) is absent by design.
    std::erase_if(r.mismatches, [&](const ConfigMismatch& m) {
        if (m.kind != ConfigMismatch::Kind::missing || !m.tensor.ends_with(".weight")) return false;
        const std::string component = m.tensor.substr(0, m.tensor.size() - 7) + ": ";
        return std::any_of(r.quantization.not_comparable.begin(), r.quantization.not_comparable.end(),
                           [&](const std::string& n) { return n.starts_with(component); });
    });
    for (auto name : kTokenizerFiles)
        if (cp.sibling(name)) r.tokenizer_files.emplace_back(name);
    if (options.content_digest) r.content_digest = content_digest(tensors);
    return r;
}

// JSON schema of `lineage inspect --json` (lineage-inspect/1):
// { "schema": "lineage-inspect/1",
//   "source": str, "root": str, "format": "safetensors", "hf_cache": bool, "revision": str|null,
//   "index_file": str|null,
//   "files": [{"name": str, "size": int, "sha256": str|null}],
//   "architecture": str|null, "model_type": str|null,
//   "config": {"hidden_size", "num_layers", "num_heads", "num_kv_heads", "head_dim",
//              "intermediate_size", "vocab_size", "max_position_embeddings", "norm_eps",
//              "rope_theta", "rope_scaling": {"type", "factor"}|null, "tie_word_embeddings",
//              "num_experts", "num_experts_per_tok", "torch_dtype", "sub_configs": [str]} | null,
//   "parameters": {"total": int, "by_component": {component: int}},   (components with > 0 only)
//   "bytes": int,
//   "dtypes": {dtype: {"tensors": int, "parameters": int, "bytes": int}},
//   "tensors": [{"name", "dtype", "shape": [int], "parameters", "role", "component",
//                "layer": int|null, "expert": int|null, "file", "nan", "inf"}],
//   "mismatches": [{"kind": "missing"|"unexpected"|"shape", "tensor", "expected": [int]|null,
//                   "actual": [int]|null, "message"}],
//   "tokenizer_files": [str],
//   "content_digest": str|null,  "tensors_with_nonfinite": int,
//   "quantization": {"scheme": str, "dequantised": int, "not_comparable": [str]} | null }
JsonValue to_json(const Inspection& r) {
    JsonValue j = JsonValue::object();
    j.set("schema", "lineage-inspect/1");
    j.set("source", r.source);
    j.set("root", r.root);
    j.set("format", r.format);
    j.set("hf_cache", r.from_hf_cache);
    j.set("revision", r.revision.empty() ? JsonValue() : JsonValue(r.revision));
    j.set("index_file", r.index_file ? JsonValue(*r.index_file) : JsonValue());
    JsonValue files = JsonValue::array();
    for (const auto& f : r.files) {
        JsonValue o = JsonValue::object();
        o.set("name", f.name);
        o.set("size", static_cast<std::uint64_t>(f.size));
        o.set("sha256", f.sha256.empty() ? JsonValue() : JsonValue(f.sha256));
        files.push(std::move(o));
    }
    j.set("files", std::move(files));
    if (r.config) {
        const auto& c = *r.config;
        j.set("architecture", c.architecture);
        j.set("model_type", c.model_type);
        JsonValue o = JsonValue::object();
        o.set("hidden_size", c.hidden_size);
        o.set("num_layers", c.num_layers);
        o.set("num_heads", c.num_heads);
        o.set("num_kv_heads", c.num_kv_heads);
        o.set("head_dim", c.head_dim);
        o.set("intermediate_size", c.intermediate_size);
        o.set("vocab_size", c.vocab_size);
        o.set("max_position_embeddings", c.max_position_embeddings);
        o.set("norm_eps", c.norm_eps);
        o.set("rope_theta", c.rope_theta);
        if (c.rope_scaling) {
            JsonValue rs = JsonValue::object();
            rs.set("type", c.rope_scaling->type);
            rs.set("factor", c.rope_scaling->factor);
            o.set("rope_scaling", std::move(rs));
        } else {
            o.set("rope_scaling", JsonValue());
        }
        o.set("tie_word_embeddings", c.tie_word_embeddings);
        o.set("num_experts", c.num_experts);
        o.set("num_experts_per_tok", c.num_experts_per_tok);
        o.set("torch_dtype", c.torch_dtype);
        JsonValue subs = JsonValue::array();
        for (const auto& [name, _] : c.sub_configs) subs.push(name);
        o.set("sub_configs", std::move(subs));
        j.set("config", std::move(o));
    } else {
        j.set("architecture", JsonValue());
        j.set("model_type", JsonValue());
        j.set("config", JsonValue());
    }
    JsonValue params = JsonValue::object();
    params.set("total", r.total_parameters);
    JsonValue by = JsonValue::object();
    for (const auto& [comp, n] : r.parameters_by_component)
        if (n) by.set(component_name(comp), n);
    params.set("by_component", std::move(by));
    j.set("parameters", std::move(params));
    j.set("bytes", r.total_bytes);
    JsonValue dtypes = JsonValue::object();
    for (const auto& [dt, c] : r.dtypes) {
        JsonValue o = JsonValue::object();
        o.set("tensors", c.tensors);
        o.set("parameters", c.parameters);
        o.set("bytes", c.bytes);
        dtypes.set(dtype_name(dt), std::move(o));
    }
    j.set("dtypes", std::move(dtypes));
    JsonValue tensors = JsonValue::array();
    for (const auto& t : r.tensors) {
        JsonValue o = JsonValue::object();
        o.set("name", t.info->name);
        o.set("dtype", dtype_name(t.info->dtype));
        o.set("shape", shape_json(t.info->shape));
        o.set("parameters", t.info->num_elements);
        o.set("role", role_name(t.role.role));
        o.set("component", component_name(t.role.component));
        o.set("layer", t.role.layer >= 0 ? JsonValue(t.role.layer) : JsonValue());
        o.set("expert", t.role.expert >= 0 ? JsonValue(t.role.expert) : JsonValue());
        o.set("file", fs::path(t.info->file).filename().string());
        o.set("nan", t.nan_count);
        o.set("inf", t.inf_count);
        tensors.push(std::move(o));
    }
    j.set("tensors", std::move(tensors));
    JsonValue mm = JsonValue::array();
    for (const auto& m : r.mismatches) {
        JsonValue o = JsonValue::object();
        o.set("kind", mismatch_kind_name(m.kind));
        o.set("tensor", m.tensor);
        o.set("expected", m.kind == ConfigMismatch::Kind::unexpected ? JsonValue() : shape_json(m.expected));
        o.set("actual", m.kind == ConfigMismatch::Kind::missing ? JsonValue() : shape_json(m.actual));
        o.set("message", m.message);
        mm.push(std::move(o));
    }
    j.set("mismatches", std::move(mm));
    JsonValue tok = JsonValue::array();
    for (const auto& f : r.tokenizer_files) tok.push(f);
    j.set("tokenizer_files", std::move(tok));
    j.set("content_digest", r.content_digest.empty() ? JsonValue() : JsonValue(r.content_digest));
    j.set("tensors_with_nonfinite", r.tensors_with_nonfinite);
    if (r.quantization.scheme.empty()) {
        j.set("quantization", JsonValue());
    } else {
        JsonValue q = JsonValue::object();
        q.set("scheme", r.quantization.scheme);
        q.set("dequantised", static_cast<std::uint64_t>(r.quantization.dequantised));
        JsonValue nc = JsonValue::array();
        for (const auto& n : r.quantization.not_comparable) nc.push(n);
        q.set("not_comparable", std::move(nc));
        j.set("quantization", std::move(q));
    }
    return j;
}

}  // namespace lineage::weights
