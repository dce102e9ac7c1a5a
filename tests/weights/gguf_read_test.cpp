// Reading GGUF files written by the reference implementation (tests/data/gguf, made by
// make_gguf_fixtures.py with llama.cpp's gguf-py): every ggml type read by Lineage dequantises to
// exactly what gguf-py's dequantize gives, whole and by rows; a converted model is renamed to its
// Hugging Face tensor names, its q/k rows are put back in Hugging Face order, its config is
// synthesised from the metadata, and its values match the safetensors original to quantisation error.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "weights/checkpoint.h"
#include "weights/core/convert.h"
#include "weights/core/error.h"
#include "weights/core/mapped_file.h"
#include "weights/formats/gguf.h"
#include "weights/formats/gguf_names.h"

using namespace lineage::weights;

namespace {
const std::string kData = std::string(LINEAGE_SOURCE_DIR) + "/tests/data/gguf";
const std::string kSource = std::string(LINEAGE_SOURCE_DIR) + "/tests/data";

float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
    REQUIRE(a.size() == b.size());
    float m = 0;
    for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
    return m;
}

float max_abs(const std::vector<float>& a) {
    float m = 0;
    for (float x : a) m = std::max(m, std::fabs(x));
    return m;
}
}  // namespace

TEST_CASE("every ggml type dequantises to gguf-py's values") {
    const auto cp = Checkpoint::open(kData + "/dequant_goldens.gguf");
    CHECK(cp.format() == "gguf");
    const char* types[] = {"F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0",
                           "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"};
    for (const char* name : types) {
        INFO("type " << std::string(name));
        const TensorInfo& t = cp.at(name);
        CHECK(dtype_name(t.dtype) == std::string_view(name));
        CHECK(t.shape == std::vector<std::int64_t>{3, 512});
        const auto got = read_f32(t);
        const auto want = read_f32(cp.at(std::string(name) + ".expected"));
        // gguf-py computes in float32 numpy with the same formulas; allow one rounding step.
        CHECK(max_abs_diff(got, want) <= 1e-6f * std::max(1.0f, max_abs(want)));
        // Rows (whole blocks) and ranges starting inside a block read the same values.
        std::vector<float> row(512);
        read_rows_f32(t, 1, 2, row);
        CHECK(std::equal(row.begin(), row.end(), got.begin() + 512));
        std::vector<float> odd(300);
        convert_to_f32(t.dtype, t.bytes, 100, odd);
        CHECK(std::equal(odd.begin(), odd.end(), got.begin() + 100));
        std::size_t chunks = 0;
        stream_f32(t, 77, [&](std::uint64_t first, std::span<const float> v) {
            ++chunks;
            CHECK(std::equal(v.begin(), v.end(), got.begin() + static_cast<std::ptrdiff_t>(first)));
        });
        CHECK(chunks == (1536 + 76) / 77);
    }
}

TEST_CASE("a Qwen3 model converted to GGUF (f16, Q8_0) reads as the original to quantisation error") {
    const auto original = Checkpoint::open(kSource + "/minizoo/A");
    for (const char* file : {"A-f16.gguf", "A-Q8_0.gguf"}) {
        INFO("file " << std::string(file));
        const auto cp = Checkpoint::open(kData + "/" + file);
        CHECK(cp.format() == "gguf");
        REQUIRE(cp.tensors().size() == original.tensors().size());
        for (const auto& want : original.tensors()) {
            INFO("tensor " << want.name);
            const TensorInfo* got = cp.find(want.name);
            REQUIRE(got != nullptr);
            CHECK(got->shape == want.shape);
            const auto a = read_f32(want), b = read_f32(*got);
            // f16: relative 2^-11; Q8_0: half a step of max|block| / 127, plus the f16 rounding of that step.
            const float bound = std::string_view(file) == "A-f16.gguf" ? max_abs(a) / 2048 : max_abs(a) / 127 * 0.6f;
            CHECK(max_abs_diff(a, b) <= bound + 1e-7f);
        }
        REQUIRE(cp.config());
        const ModelConfig& c = *cp.config();
        const ModelConfig& o = *original.config();
        CHECK(c.model_type == "qwen3");
        CHECK(c.architecture == "Qwen3ForCausalLM");
        CHECK(c.hidden_size == o.hidden_size);
        CHECK(c.num_layers == o.num_layers);
        CHECK(c.num_heads == o.num_heads);
        CHECK(c.num_kv_heads == o.num_kv_heads);
        CHECK(c.head_dim == o.head_dim);
        CHECK(c.intermediate_size == o.intermediate_size);
        CHECK(c.vocab_size == o.vocab_size);
        CHECK(c.max_position_embeddings == o.max_position_embeddings);
        CHECK(c.rope_theta == doctest::Approx(o.rope_theta));
        CHECK(c.norm_eps == doctest::Approx(o.norm_eps));
        CHECK(c.tie_word_embeddings == o.tie_word_embeddings);
        // Metadata is kept as text.
        bool found = false;
        for (const auto& [k, v] : cp.file_metadata().at(0))
            if (k == "general.architecture") found = v == "qwen3";
        CHECK(found);
    }
}

TEST_CASE("llama.cpp's q/k row permutation is undone (Llama, 4 heads, 2 kv heads, Q8_0)") {
    const auto original = Checkpoint::open(kSource + "/models/llama_fp32");
    const auto cp = Checkpoint::open(kData + "/llama-Q8_0.gguf");
    REQUIRE(cp.tensors().size() == original.tensors().size());
    for (const char* name : {"model.layers.0.self_attn.q_proj.weight", "model.layers.1.self_attn.k_proj.weight",
                             "model.layers.1.self_attn.v_proj.weight", "lm_head.weight"}) {
        INFO("tensor " << std::string(name));
        const auto a = read_f32(original.at(name)), b = read_f32(cp.at(name));
        CHECK(max_abs_diff(a, b) <= max_abs(a) / 127 * 0.6f);
    }
    // Read as stored (without the un-permutation), q rows would be far off: the test has teeth.
    const auto map = MappedFile::open(kData + "/llama-Q8_0.gguf");
    const auto g = parse_gguf(map->bytes(), "llama");
    const auto it = std::find_if(g.tensors.begin(), g.tensors.end(),
                                 [](const GgufTensorInfo& t) { return t.name == "blk.0.attn_q.weight"; });
    REQUIRE(it != g.tensors.end());
    std::vector<float> stored(it->num_elements);
    convert_to_f32(DType::Q8_0, map->bytes().subspan(g.data_offset + it->offset, it->byte_size), 0, stored);
    const auto a = read_f32(original.at("model.layers.0.self_attn.q_proj.weight"));
    CHECK(max_abs_diff(a, stored) > max_abs(a) / 10);
    REQUIRE(cp.config());
    CHECK(cp.config()->model_type == "llama");
    CHECK(cp.config()->num_kv_heads == 2);
}

TEST_CASE("GGUF tensor names map to Hugging Face names") {
    CHECK(hf_tensor_name("token_embd.weight", ExpertNaming::qwen_moe) == "model.embed_tokens.weight");
    CHECK(hf_tensor_name("output.weight", ExpertNaming::qwen_moe) == "lm_head.weight");
    CHECK(hf_tensor_name("blk.12.attn_q.bias", ExpertNaming::qwen_moe) == "model.layers.12.self_attn.q_proj.bias");
    CHECK(hf_tensor_name("blk.3.ffn_norm.weight", ExpertNaming::qwen_moe) == "model.layers.3.post_attention_layernorm.weight");
    CHECK(hf_tensor_name("blk.0.ffn_up_exps.weight", ExpertNaming::qwen_moe) == "model.layers.0.mlp.experts.{E}.up_proj.weight");
    CHECK(hf_tensor_name("blk.0.ffn_down_exps.weight", ExpertNaming::mixtral) == "model.layers.0.block_sparse_moe.experts.{E}.w2.weight");
    CHECK(hf_tensor_name("blk.0.ffn_gate_inp.weight", ExpertNaming::mixtral) == "model.layers.0.block_sparse_moe.gate.weight");
    CHECK(hf_tensor_name("blk.x.attn_q.weight", ExpertNaming::qwen_moe) == "blk.x.attn_q.weight");
    CHECK(hf_tensor_name("rope_freqs.weight", ExpertNaming::qwen_moe) == std::nullopt);
    CHECK(gguf_qk_role("blk.1.attn_k.weight") == 'k');
    CHECK(gguf_qk_role("blk.1.attn_k_norm.weight") == 0);
    REQUIRE(gguf_architecture("llama", true));
    CHECK(gguf_architecture("llama", true)->model_type == "mixtral");
    CHECK(gguf_architecture("qwen2", false)->permuted_qk == false);
    CHECK(gguf_architecture("llama", false)->permuted_qk == true);
}
