// Bad input to the reference transformer: each crafted checkpoint (a fixture with its config.json
// edited, in a temporary folder) is rejected with the documented error kind and a message naming
// the file and the problem.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "reference_model/backend/backend.h"
#include "reference_model/model/transformer.h"
#include "weights/checkpoint.h"
#include "weights/core/error.h"

using namespace lineage;
using namespace lineage::model;
namespace fs = std::filesystem;

namespace {

const fs::path kModels = fs::path(LINEAGE_SOURCE_DIR) / "tests/data/models";

// A copy of fixture `name` whose config.json has `from` replaced by `to`.
struct EditedModel {
    fs::path dir;
    EditedModel(const std::string& name, const std::string& from, const std::string& to) {
        dir = fs::temp_directory_path() / ("lineage_model_err_" + std::to_string(std::random_device{}()));
        fs::create_directories(dir);
        fs::copy_file(kModels / name / "model.safetensors", dir / "model.safetensors");
        std::ifstream in(kModels / name / "config.json");
        std::stringstream ss;
        ss << in.rdbuf();
        std::string text = ss.str();
        if (!from.empty()) {
            auto pos = text.find(from);
            REQUIRE(pos != std::string::npos);
            text.replace(pos, from.size(), to);
        }
        std::ofstream(dir / "config.json") << text;
    }
    ~EditedModel() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
};

template <class E>
std::string error_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const E& e) {
        return e.what();
    }
    FAIL("expected an exception");
    return {};
}

}  // namespace

TEST_CASE("unknown architecture: UnsupportedError listing the supported ones") {
    EditedModel m("llama_fp32", "\"LlamaForCausalLM\"", "\"FalconForCausalLM\"");
    auto ckpt = weights::Checkpoint::open(m.dir.string());
    auto be = make_cpu_backend();
    std::string msg = error_of<UnsupportedError>([&] { Transformer t(ckpt, *be); });
    CHECK(msg.find("FalconForCausalLM") != std::string::npos);
    CHECK(msg.find("config.json") != std::string::npos);
    for (const auto& a : supported_architectures()) CHECK(msg.find(std::string(a.name)) != std::string::npos);
}

TEST_CASE("config/tensor mismatch: wrong sizes, missing lm_head, unknown RoPE type") {
    auto be = make_cpu_backend();
    {
        EditedModel m("llama_fp32", "\"intermediate_size\": 128", "\"intermediate_size\": 256");
        auto ckpt = weights::Checkpoint::open(m.dir.string());
        std::string msg = error_of<InputError>([&] { Transformer t(ckpt, *be); });
        CHECK(msg.find("gate_proj") != std::string::npos);
        CHECK(msg.find("expected [256, 64]") != std::string::npos);
    }
    {
        EditedModel m("llama_bf16", "\"tie_word_embeddings\": true", "\"tie_word_embeddings\": false");
        auto ckpt = weights::Checkpoint::open(m.dir.string());
        std::string msg = error_of<InputError>([&] { Transformer t(ckpt, *be); });
        CHECK(msg.find("lm_head") != std::string::npos);
    }
    {
        EditedModel m("llama_fp32", "\"num_key_value_heads\": 2", "\"num_key_value_heads\": 4");
        auto ckpt = weights::Checkpoint::open(m.dir.string());
        std::string msg = error_of<InputError>([&] { Transformer t(ckpt, *be); });
        CHECK(msg.find("k_proj") != std::string::npos);
    }
    {
        EditedModel m("llama_fp32", "\"rope_type\": \"default\"", "\"rope_type\": \"longrope\"");
        auto ckpt = weights::Checkpoint::open(m.dir.string());
        std::string msg = error_of<UnsupportedError>([&] { Transformer t(ckpt, *be); });
        CHECK(msg.find("longrope") != std::string::npos);
    }
    {
        EditedModel m("qwen3_qknorm", "\"Qwen3ForCausalLM\"", "\"LlamaForCausalLM\"");
        auto ckpt = weights::Checkpoint::open(m.dir.string());
        std::string msg = error_of<InputError>([&] { Transformer t(ckpt, *be); });
        CHECK(msg.find("q_norm") != std::string::npos);
    }
}

TEST_CASE("token ids out of range and prompts longer than the context") {
    auto ckpt = weights::Checkpoint::open((kModels / "llama_fp32").string());
    auto be = make_cpu_backend();
    Transformer t(ckpt, *be);
    std::vector<std::int32_t> bad{1, 2, 1000};
    std::string msg = error_of<InputError>([&] { t.check_ids(bad); });
    CHECK(msg.find("1000") != std::string::npos);
    CHECK(msg.find("[0, 1000)") != std::string::npos);
    std::vector<std::int32_t> neg{-1};
    CHECK_THROWS_AS(t.check_ids(neg), InputError);
    std::vector<std::vector<std::int32_t>> too_long{std::vector<std::int32_t>(257, 5)};
    msg = error_of<InputError>([&] { t.forward(too_long, {}); });
    CHECK(msg.find("context of 256") != std::string::npos);
    std::vector<std::int32_t> prompt(250, 5);
    CHECK_THROWS_AS(t.generate_greedy(prompt, 10, nullptr), InputError);
}
