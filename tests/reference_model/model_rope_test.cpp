// RoPE frequency variants, beyond the end-to-end fixtures: properties transformers' formulas imply
// (dynamic NTK equals the default up to max_position_embeddings and lowers every frequency past
// it; YaRN's attention factor; llama3 keeps high frequencies and divides low ones by the factor),
// and the errors for unknown variants or missing parameters.
#include <doctest/doctest.h>

#include <cmath>

#include "reference_model/architecture/architecture.h"
#include "reference_model/architecture/rope.h"
#include "weights/core/error.h"

using namespace lineage;
using namespace lineage::model;

namespace {

weights::ModelConfig config_with(const char* rope_json) {
    std::string text = R"({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64,
        "num_attention_heads": 4, "num_hidden_layers": 2, "max_position_embeddings": 32, "vocab_size": 1000,
        "intermediate_size": 128, "rope_parameters": )" + std::string(rope_json) + "}";
    return weights::ModelConfig::from_json(JsonValue::parse(text, "test"), "test/config.json");
}

}  // namespace

TEST_CASE("rope: default frequencies and dynamic NTK") {
    Rope def = Rope::from_config(config_with(R"({"rope_type": "default", "rope_theta": 10000.0})"), 16, "t");
    CHECK(def.rotary_dim() == 16);
    auto f = def.inv_freq(1);
    REQUIRE(f.size() == 8);
    CHECK(f[0] == 1.0f);
    CHECK(f[1] == doctest::Approx(1.0 / std::pow(10000.0, 2.0 / 16)));
    Rope dyn = Rope::from_config(config_with(R"({"rope_type": "dynamic", "factor": 2.0, "rope_theta": 10000.0})"), 16, "t");
    CHECK(dyn.inv_freq(32) == f);  // up to max_position_embeddings: the default
    auto longer = dyn.inv_freq(64);
    for (std::size_t i = 1; i < f.size(); ++i) CHECK(longer[i] < f[i]);
    // theta' = theta * (2*64/32 - 1)^(16/14)
    const double theta = 10000.0 * std::pow(3.0, 16.0 / 14.0);
    CHECK(longer[7] == doctest::Approx(1.0 / std::pow(theta, 14.0 / 16)).epsilon(1e-5));
}

TEST_CASE("rope: linear, yarn attention factor, llama3 bands") {
    Rope lin = Rope::from_config(config_with(R"({"rope_type": "linear", "factor": 4.0, "rope_theta": 10000.0})"), 16, "t");
    CHECK(lin.inv_freq(1)[0] == 0.25f);
    Rope yarn = Rope::from_config(
        config_with(R"({"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32, "rope_theta": 10000.0})"), 16, "t");
    CHECK(yarn.attention_scaling() == doctest::Approx(0.1 * std::log(4.0) + 1.0));
    Rope yarn_m = Rope::from_config(
        config_with(R"({"rope_type": "yarn", "factor": 4.0, "mscale": 1.0, "mscale_all_dim": 1.0, "rope_theta": 10000.0})"), 16, "t");
    CHECK(yarn_m.attention_scaling() == doctest::Approx(1.0));
    Rope l3 = Rope::from_config(config_with(R"({"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
        "high_freq_factor": 4.0, "original_max_position_embeddings": 32, "rope_theta": 10000.0})"), 16, "t");
    Rope def = Rope::from_config(config_with(R"({"rope_type": "default", "rope_theta": 10000.0})"), 16, "t");
    auto a = l3.inv_freq(1), b = def.inv_freq(1);
    CHECK(a[0] == b[0]);               // wavelength 2π < 8: kept
    CHECK(a[7] == b[7] / 8.0f);        // wavelength > 32: divided by the factor
    CHECK(a[1] < b[1]);                // wavelength 2π·10000^(1/8) ≈ 20, between 8 and 32: smoothed
    CHECK(a[1] > b[1] / 8.0f);
}

TEST_CASE("rope: unknown variants and missing parameters are errors") {
    CHECK_THROWS_AS(Rope::from_config(config_with(R"({"rope_type": "longrope", "rope_theta": 10000.0})"), 16, "t"),
                    UnsupportedError);
    CHECK_THROWS_AS(Rope::from_config(config_with(R"({"rope_type": "llama3", "factor": 8.0, "rope_theta": 10000.0})"), 16, "t"),
                    InputError);
}

TEST_CASE("architecture table: every row found, unknown names listed") {
    for (const auto& a : supported_architectures()) CHECK(&find_architecture(a.name, "x") == &a);
    CHECK_THROWS_AS(find_architecture("BloomForCausalLM", "x"), UnsupportedError);
    CHECK(parse_activation("silu", "x") == Activation::silu);
    CHECK_THROWS_AS(parse_activation("mish", "x"), UnsupportedError);
}
