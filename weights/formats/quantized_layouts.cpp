// The quantised-layout pass (quantized_layouts.h): index the tensors by name, find each quantised
// module by its marker tensor (a table of markers, one row per layout), rebuild or mark it, then
// drop consumed tensors. The arithmetic lives in weights/quantization/.
#include "weights/formats/quantized_layouts.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "weights/core/convert.h"
#include "weights/core/error.h"
#include "weights/quantization/bnb4.h"
#include "weights/quantization/fp8_scaled.h"
#include "weights/quantization/packed_int.h"

namespace lineage::weights {
namespace {

struct Pass {
    std::vector<TensorInfo>& tensors;
    std::vector<std::shared_ptr<const void>>& owners;
    const JsonValue* qc;  // quantization_config, nullptr when absent
    std::map<std::string, std::size_t> by_name;
    std::set<std::string> consumed;
    std::vector<std::pair<std::string, TensorInfo>> replace;  // name -> new tensor
    std::map<std::string, std::string> renames;
    QuantizationSummary summary;

    const TensorInfo* find(const std::string& name) const {
        auto it = by_name.find(name);
        return it == by_name.end() ? nullptr : &tensors[it->second];
    }
    std::string method() const {
        const JsonValue* m = qc ? qc->find("quant_method") : nullptr;
        return m && m->is_string() ? m->as_string() : "";
    }
    std::int64_t int_field(std::initializer_list<const char*> keys, std::int64_t fallback) const {
        for (const char* k : keys)
            if (const JsonValue* v = qc ? qc->find(k) : nullptr; v && v->is_integer())
                return v->as_int();
        return fallback;
    }
    std::string str_field(const char* key) const {
        const JsonValue* v = qc ? qc->find(key) : nullptr;
        return v && v->is_string() ? v->as_string() : "";
    }
    void note(const std::string& scheme, const std::string& component, const std::string& reason) {
        if (summary.scheme.empty()) summary.scheme = scheme;
        summary.not_comparable.push_back(component + ": " + reason);
    }
    void emit(const std::string& scheme, const std::string& name, const TensorInfo& like,
              std::vector<std::int64_t> shape, std::vector<float> values) {
        auto buffer = std::make_shared<std::vector<float>>(std::move(values));
        TensorInfo t;
        t.name = name;
        t.dtype = DType::F32;
        t.shape = std::move(shape);
        t.num_elements = buffer->size();
        t.bytes = std::as_bytes(std::span<const float>(*buffer));
        t.file = like.file;
        t.file_offset = like.file_offset;
        owners.push_back(std::move(buffer));
        replace.emplace_back(name, std::move(t));
        if (summary.scheme.empty()) summary.scheme = scheme;
        ++summary.dequantised;
    }
};

std::string describe(const TensorInfo& t) {
    std::string s = std::string(dtype_name(t.dtype)) + "[";
    for (std::size_t i = 0; i < t.shape.size(); ++i)
        s += (i ? "," : "") + std::to_string(t.shape[i]);
    return s + "]";
}

[[noreturn]] void malformed(const TensorInfo& t, const std::string& problem) {
    throw InputError(t.file, "tensor '" + t.name + "': " + problem);
}

std::vector<std::int32_t> read_i32(const TensorInfo& t) {
    if (t.dtype != DType::I32 && t.dtype != DType::I64)
        malformed(t, "expected an int32 tensor, got " + describe(t));
    std::vector<std::int32_t> out(t.num_elements);
    if (t.dtype == DType::I32) {
        std::memcpy(out.data(), t.bytes.data(), out.size() * 4);  // the file need not align it
    } else {
        for (std::size_t i = 0; i < out.size(); ++i) {
            std::int64_t v;
            std::memcpy(&v, t.bytes.data() + 8 * i, 8);
            out[i] = static_cast<std::int32_t>(v);
        }
    }
    return out;
}

// GPTQ or AWQ module <m>: <m>.qweight + .qzeros + .scales (+ .g_idx).
void packed_int_module(Pass& p, const std::string& m) {
    const TensorInfo& qw = *p.find(m + ".qweight");
    const TensorInfo* qz = p.find(m + ".qzeros");
    const TensorInfo* sc = p.find(m + ".scales");
    const TensorInfo* gi = p.find(m + ".g_idx");
    if (!qz || !sc) malformed(qw, "packed weight without its .qzeros and .scales");
    if (qw.shape.size() != 2 || sc->shape.size() != 2)
        malformed(qw, "qweight and scales must be matrices");
    // Which convention: the config says, else the shapes do (GPTQ packs along `in`: qweight and
    // scales have the same column count; AWQ packs along `out`: scales has 8x qweight's columns).
    std::string method = p.method();
    if (method != "gptq" && method != "awq") method = qw.shape[1] == sc->shape[1] ? "gptq" : "awq";
    const auto scales = read_f32(*sc);
    const auto qweight = read_i32(qw);
    const auto qzeros = read_i32(*qz);
    PackedIntShape s;
    s.bits = static_cast<int>(p.int_field({"bits", "w_bit"}, 4));
    try {
        if (method == "gptq") {
            const int per_word = s.bits > 0 && s.bits <= 32 && 32 % s.bits == 0 ? 32 / s.bits : 0;
            if (!per_word)
                throw UnsupportedError(
                    qw.file, "GPTQ with " + std::to_string(s.bits) + " bits is not supported");
            s.in = qw.shape[0] * per_word;
            s.out = qw.shape[1];
            s.group_size = sc->shape[0] > 0 ? s.in / sc->shape[0] : 0;
            std::vector<std::int32_t> g;
            if (gi) g = read_i32(*gi);
            const int offset = p.str_field("checkpoint_format") == "gptq_v2" ? 0 : 1;
            p.emit("gptq", m + ".weight", qw, {s.out, s.in},
                   dequantize_gptq(qweight, qzeros, scales, g, s, offset,
                                   qw.file + ": module '" + m + "'"));
        } else {
            const std::string version = p.str_field("version");
            if (!version.empty() && version != "gemm" && version != "GEMM")
                throw UnsupportedError(
                    qw.file, "AWQ version '" + version + "' (only the GEMM layout is read)");
            s.in = qw.shape[0];
            s.out = qw.shape[1] * 8;
            const std::int64_t groups = sc->shape[0];
            s.group_size = p.int_field({"group_size", "q_group_size"},
                                       groups > 0 ? (s.in + groups - 1) / groups : 0);
            p.emit("awq", m + ".weight", qw, {s.out, s.in},
                   dequantize_awq(qweight, qzeros, scales, s, qw.file + ": module '" + m + "'"));
        }
    } catch (const UnsupportedError& e) {
        p.note(method, m, std::string(e.what()).substr(qw.file.size() + 2));
        return;
    }
    for (const char* suffix : {".qweight", ".qzeros", ".scales", ".g_idx"})
        p.consumed.insert(m + suffix);
}

std::optional<std::pair<std::int64_t, std::int64_t>> fp8_block(const Pass& p) {
    const JsonValue* b = p.qc ? p.qc->find("weight_block_size") : nullptr;
    if (b && b->is_array() && b->as_array().size() == 2 && b->as_array()[0].is_integer() &&
        b->as_array()[1].is_integer())
        return std::make_pair(b->as_array()[0].as_int(), b->as_array()[1].as_int());
    return std::nullopt;
}

// FP8 weight <m>.weight with <m>.weight_scale_inv or <m>.weight_scale.
void fp8_module(Pass& p, const std::string& m, const TensorInfo& w) {
    const TensorInfo* sc = p.find(m + ".weight_scale_inv");
    if (!sc) sc = p.find(m + ".weight_scale");
    if (!sc) return;  // a plain float8 tensor: its stored values are the weights
    std::string why;
    auto values = dequantize_fp8(w, *sc, fp8_block(p), why);
    if (!values) {
        p.note("fp8", m, "FP8 scale " + describe(*sc) + " for weight " + describe(w) + ": " + why);
        p.renames[m + ".weight"] = m + ".weight.packed";
        return;
    }
    p.emit("fp8", m + ".weight", w, w.shape, std::move(*values));
    p.consumed.insert(sc->name);
}

// bitsandbytes LLM.int8: <m>.weight int8 (out, in) with <m>.SCB, the per-row absmax.
void bnb_int8_module(Pass& p, const std::string& m) {
    const TensorInfo* w = p.find(m + ".weight");
    const TensorInfo& scb = *p.find(m + ".SCB");
    if (!w || w->dtype != DType::I8 || w->shape.size() != 2 ||
        scb.num_elements != static_cast<std::uint64_t>(w->shape[0]))
        malformed(scb, "bitsandbytes SCB without an int8 (rows, cols) weight of matching rows");
    const auto rowmax = read_f32(scb);
    auto values = read_f32(*w);
    const auto cols = static_cast<std::size_t>(w->shape[1]);
    for (std::size_t r = 0; r < rowmax.size(); ++r)
        for (std::size_t c = 0; c < cols; ++c)
            values[r * cols + c] = values[r * cols + c] * rowmax[r] / 127.0f;
    p.emit("bitsandbytes", m + ".weight", *w, w->shape, std::move(values));
    p.consumed.insert(scb.name);
    p.consumed.insert(m + ".weight_format");
}

// bitsandbytes 4-bit: <m>.weight (uint8) with .weight.absmax, .weight.quant_map,
// .weight.quant_state.bitsandbytes__nf4|fp4 (JSON bytes) and, when nested, .weight.nested_*.
void bnb4_module(Pass& p, const std::string& m) {
    const std::string w = m + ".weight";
    const TensorInfo& absmax = *p.find(w + ".absmax");
    const TensorInfo* packed = p.find(w);
    const TensorInfo* qmap = p.find(w + ".quant_map");
    const TensorInfo* state = p.find(w + ".quant_state.bitsandbytes__nf4");
    if (!state) state = p.find(w + ".quant_state.bitsandbytes__fp4");
    if (!packed || packed->dtype != DType::U8 || !qmap || !state || state->dtype != DType::U8)
        malformed(absmax,
                  "bitsandbytes 4-bit absmax without a uint8 weight, quant_map and quant_state");
    const std::string where = state->file + ": tensor '" + state->name + "'";
    const auto json = JsonValue::parse(
        std::string_view(reinterpret_cast<const char*>(state->bytes.data()), state->bytes.size()),
        where);
    const JsonValue* shape = json.find("shape");
    const JsonValue* blocksize = json.find("blocksize");
    if (!shape || !shape->is_array() || !blocksize || !blocksize->is_integer())
        throw InputError(where, "quant_state lacks an integer 'blocksize' and a 'shape' array");
    std::vector<std::int64_t> dims;
    std::uint64_t count = 1;
    for (const auto& d : shape->as_array()) {
        if (!d.is_integer() || d.as_int() < 0 || (d.as_int() && count > (1ull << 40) / d.as_uint()))
            throw InputError(where, "quant_state shape holds a bad dimension");
        dims.push_back(d.as_int());
        count *= d.as_uint();
    }
    std::vector<float> scales;
    if (absmax.dtype == DType::U8) {  // nested ("compress_statistics") absmax
        const TensorInfo* na = p.find(w + ".nested_absmax");
        const TensorInfo* nq = p.find(w + ".nested_quant_map");
        const JsonValue* nbs = json.find("nested_blocksize");
        const JsonValue* off = json.find("nested_offset");
        if (!na || !nq || !nbs || !nbs->is_integer() || !off || !off->is_number())
            throw InputError(where,
                             "nested absmax without nested_absmax, nested_quant_map, "
                             "nested_blocksize, nested_offset");
        const auto codes = std::span(reinterpret_cast<const std::uint8_t*>(absmax.bytes.data()),
                                     absmax.bytes.size());
        scales = decode_nested_absmax(codes, read_f32(*nq), read_f32(*na), nbs->as_int(),
                                      static_cast<float>(off->as_double()), where);
        p.consumed.insert(na->name);
        p.consumed.insert(nq->name);
    } else {
        scales = read_f32(absmax);
    }
    const auto bytes = std::span(reinterpret_cast<const std::uint8_t*>(packed->bytes.data()),
                                 packed->bytes.size());
    p.emit("bitsandbytes", w, *packed, std::move(dims),
           dequantize_bnb4(bytes, scales, read_f32(*qmap), count, blocksize->as_int(), where));
    for (const TensorInfo* t : {&absmax, qmap, state}) p.consumed.insert(t->name);
}

}  // namespace

QuantizationSummary apply_quantized_layouts(std::vector<TensorInfo>& tensors,
                                            std::vector<std::shared_ptr<const void>>& owners,
                                            const std::optional<ModelConfig>& config,
                                            const std::filesystem::path&) {
    const JsonValue* qc =
        config && config->raw.is_object() ? config->raw.find("quantization_config") : nullptr;
    Pass p{tensors, owners, qc && qc->is_object() ? qc : nullptr, {}, {}, {}, {}, {}};
    for (std::size_t i = 0; i < tensors.size(); ++i) p.by_name.emplace(tensors[i].name, i);

    auto strip = [](const std::string& name,
                    std::string_view suffix) -> std::optional<std::string> {
        if (name.size() > suffix.size() && name.ends_with(suffix))
            return name.substr(0, name.size() - suffix.size());
        return std::nullopt;
    };
    for (const auto& [name, index] : p.by_name) {
        const TensorInfo& t = tensors[index];
        if (auto m = strip(name, ".qweight")) {
            packed_int_module(p, *m);
        } else if (auto m2 = strip(name, ".weight");
                   m2 && (t.dtype == DType::F8_E4M3 || t.dtype == DType::F8_E5M2 ||
                          t.dtype == DType::F8_E4M3FNUZ || t.dtype == DType::F8_E5M2FNUZ)) {
            fp8_module(p, *m2, t);
        } else if (auto m3 = strip(name, ".SCB")) {
            bnb_int8_module(p, *m3);
        } else if (auto m4 = strip(name, ".weight.absmax")) {
            bnb4_module(p, *m4);
        } else if (auto m5 = strip(name, ".weight_packed")) {
            p.note("compressed-tensors", *m5,
                   "compressed-tensors pack-quantized int weights are not dequantised by this "
                   "version");
        }
    }
    if (p.summary.scheme.empty() && !p.method().empty()) p.summary.scheme = p.method();

    // Apply: drop consumed tensors, replace dequantised ones, rename packed ones.
    std::map<std::string, TensorInfo> fresh;
    for (auto& [name, t] : p.replace) fresh.insert_or_assign(name, std::move(t));
    std::vector<TensorInfo> out;
    out.reserve(tensors.size());
    for (auto& t : tensors) {
        if (p.consumed.count(t.name) || fresh.count(t.name)) continue;
        if (auto it = p.renames.find(t.name); it != p.renames.end()) t.name = it->second;
        out.push_back(std::move(t));
    }
    for (auto& [name, t] : fresh) out.push_back(std::move(t));
    tensors = std::move(out);
    std::sort(p.summary.not_comparable.begin(), p.summary.not_comparable.end());
    return std::move(p.summary);
}

}  // namespace lineage::weights
