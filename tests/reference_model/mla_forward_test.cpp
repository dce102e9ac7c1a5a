// DeepSeek-V3 multi-head latent attention against transformers 5.23 (tests/data/models_moe, made
// by tools/fixtures/make_moe_fixtures.py): q LoRA and plain q_proj, interleaved and neox RoPE on
// the decoupled dims, YaRN with mscale_all_dim in the attention scale, v_head_dim different from
// the q/k head width, grouped sigmoid routing with correction bias, and greedy decoding through
// the KV cache of expanded keys and values; FP8 weights with block scales dequantised on load.
#include "moe_fixture_check.h"

using lineage::moe_test::check_moe_model;

TEST_CASE(
    "MLA forward matches transformers: DeepSeek-V3 (q LoRA, interleaved RoPE, YaRN mscale, "
    "groups)") {
    check_moe_model("deepseek_v3");
}
TEST_CASE(
    "MLA forward matches transformers: DeepSeek-V3 without q LoRA, neox RoPE, 2 shared experts") {
    check_moe_model("deepseek_v3_noqlora");
}
TEST_CASE(
    "MLA forward matches transformers: DeepSeek-V3 with FP8 weights and block scales "
    "(weight_scale_inv)") {
    // Dequantised at Checkpoint::open by weights/quantization (fp8_scaled.h); golden: transformers
    // on the torch-dequantised weights.
    check_moe_model("deepseek_v3_fp8");
}
