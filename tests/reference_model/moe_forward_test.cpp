// Mixture-of-experts families against transformers 5.23 on the tiny fixtures of
// tests/data/models_moe (tools/fixtures/make_moe_fixtures.py): softmax top-k routers with and
// without renormalisation, sigmoid grouped routers with correction bias and scaling, shared
// experts (plain and sigmoid-gated), dense first blocks, experts stored per expert and fused 3-D.
#include "moe_fixture_check.h"

using lineage::moe_test::check_moe_model;

TEST_CASE(
    "MoE forward matches transformers: Qwen2-MoE (softmax, no renorm, gated shared expert, dense "
    "block 0)") {
    check_moe_model("qwen2_moe");
}
TEST_CASE("MoE forward matches transformers: Qwen3-MoE (softmax, renormalised, q/k norm)") {
    check_moe_model("qwen3_moe");
}
TEST_CASE("MoE forward matches transformers: Qwen3-MoE with experts fused into 3-D tensors") {
    check_moe_model("qwen3_moe_fused", "qwen3_moe");
}
TEST_CASE("MoE forward matches transformers: Mixtral (block_sparse_moe, sliding window)") {
    check_moe_model("mixtral");
}
TEST_CASE(
    "MoE forward matches transformers: GLM-4.5 MoE (partial rotary, sigmoid router, q/k norm, "
    "biases)") {
    check_moe_model("glm4_moe");
}
TEST_CASE("MoE forward matches transformers: Solar Open (grouped sigmoid router on every block)") {
    check_moe_model("solar_open");
}
TEST_CASE(
    "MoE forward matches transformers: EXAONE MoE (NoPE full layers, sliding layers, dense block "
    "0)") {
    check_moe_model("exaone_moe");
}
