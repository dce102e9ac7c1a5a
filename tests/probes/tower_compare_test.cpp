// The weight probe on multimodal checkpoints: the vision tower and the projector are judged each
// on its own, block by block. A synthetic VLM pair with independent language models and a vision
// tower copied from A and then perturbed (a "lifted" encoder) is found: vision derived, projector
// and language model independent; an independent tower is not called derived; towers stored under
// different prefixes still pair; a tower present on one side only stays inconclusive.
#include <doctest/doctest.h>

#include <algorithm>

#include "probes/weights/compare.h"
#include "probes/weights/compare_format.h"
#include "synthetic_vlm.h"
#include "weights/tensor_roles.h"

using namespace lineage::probes::weights;
using lineage::test::synthetic_vlm;
using lineage::test::SyntheticVlmParts;
using lineage::test::find_tower;
using lineage::test::tower_test_options;

namespace {

}  // namespace

TEST_CASE("tower tensors carry the tower's own block index and a prefix-free name") {
    using lineage::weights::classify_tensor;
    using lineage::weights::tower_relative_name;
    CHECK(classify_tensor("visual.blocks.7.attn.qkv.weight").layer == 7);
    CHECK(classify_tensor("model.visual.blocks.7.attn.qkv.weight").tower == "vision");
    CHECK(classify_tensor("vision_model.encoder.layers.11.self_attn.q_proj.weight").layer == 11);
    CHECK(classify_tensor("model.vision_tower.vision_model.encoder.layers.3.mlp.fc1.weight").layer == 3);
    CHECK(classify_tensor("visual.patch_embed.proj.weight").layer == -1);
    CHECK(classify_tensor("visual.merger.mlp.0.weight").layer == -1);  // "mlp.0" is not a block
    CHECK(classify_tensor("visual.merger.mlp.0.weight").tower == "projector");
    CHECK(classify_tensor("model.vision_projector.weight").tower == "projector");  // HCX Vision V2 as saved
    CHECK(classify_tensor("model.vision_model.merger.mlp.0.weight").tower == "projector");
    CHECK(tower_relative_name("model.visual.blocks.0.attn.qkv.weight") == "blocks.0.attn.qkv.weight");
    CHECK(tower_relative_name("visual.blocks.0.attn.qkv.weight") == "blocks.0.attn.qkv.weight");
    CHECK(tower_relative_name("model.layers.0.mlp.up_proj.weight") == "model.layers.0.mlp.up_proj.weight");
}

TEST_CASE("a lifted vision tower is derived while the language model is independent") {
    const auto a = synthetic_vlm("A", {.language_seed = 1, .vision_seed = 2, .projector_seed = 3});
    // B: its own language model and projector; A's vision tower plus noise of 0.5 x its std,
    // stored under transformers 5's "model.visual." prefix.
    const auto b = synthetic_vlm("B", {.language_seed = 11, .vision_seed = 2, .projector_seed = 13,
                                       .vision_noise = 0.5, .vision_prefix = "model.visual."});
    const CompareResult r = compare_models(*a, *b, tower_test_options());

    CHECK(r.language_model_verdict == Verdict::independent);
    CHECK_FALSE(r.exact_reuse);
    CHECK(r.verdict == Verdict::derived);  // B does descend from A, through its tower
    CHECK(r.neg_log10_p > 6);               // ... and the model's p-value says so
    REQUIRE(r.towers.size() == 2);
    const TowerOutcome* vision = find_tower(r, "vision");
    const TowerOutcome* projector = find_tower(r, "projector");
    REQUIRE(vision);
    REQUIRE(projector);
    CHECK(vision->verdict == Verdict::derived);
    CHECK(vision->pairs == 1 + 3 * 5);  // patch embedding + 5 matrices per block (norm gains: too small)
    CHECK(vision->median_pearson > 0.85);  // 1/sqrt(1 + 0.5^2) = 0.894
    CHECK(vision->median_pearson < 0.93);
    REQUIRE(vision->blocks.size() == 4);  // outside the blocks, then blocks 0..2
    CHECK(vision->blocks[0].block == -1);
    CHECK(vision->blocks[3].block == 2);
    for (const auto& blk : vision->blocks) CHECK(blk.max_neg_log10_p > 6);
    CHECK(projector->verdict == Verdict::independent);
    CHECK(projector->pairs == 2);
    CHECK(projector->control_detected);

    // The statistics name the tower's role and block, for the audit's per-component findings.
    int vision_stats = 0;
    for (const auto& s : r.stats)
        if (s.component == "vision" && s.family == "pearson") {
            ++vision_stats;
            CHECK(s.beyond_null);
        }
    CHECK(vision_stats == 16);
    const auto j = compare_to_json(r);
    REQUIRE(j.find("towers"));
    CHECK(j.find("towers")->as_array().size() == 2);
    CHECK(j.find("language_model_verdict")->as_string() == "independent");
    CHECK(compare_to_text(r).find("tower vision: derived") != std::string::npos);
}

TEST_CASE("independent towers are not called derived; an exact copy is") {
    const auto a = synthetic_vlm("A", {.language_seed = 1, .vision_seed = 2, .projector_seed = 3});
    SUBCASE("independent everywhere") {
        const auto b = synthetic_vlm("B", {.language_seed = 11, .vision_seed = 12, .projector_seed = 13});
        const CompareResult r = compare_models(*a, *b, tower_test_options());
        CHECK(r.verdict == Verdict::independent);
        for (const auto& t : r.towers) {
            CAPTURE(t.tower);
            CHECK(t.verdict == Verdict::independent);
            CHECK(t.neg_log10_p < 3);
        }
    }
    SUBCASE("the tower copied bit for bit") {
        const auto b = synthetic_vlm("B", {.language_seed = 11, .vision_seed = 2, .projector_seed = 13});
        CompareOptions o = tower_test_options();
        o.rule.exact_reuse_min_elements = 1024;
        const CompareResult r = compare_models(*a, *b, o);
        CHECK_FALSE(r.exact_reuse);  // the language model's flag
        REQUIRE(find_tower(r, "vision"));
        CHECK(find_tower(r, "vision")->exact_reuse);
        CHECK(find_tower(r, "vision")->verdict == Verdict::derived);
        CHECK(r.language_model_verdict == Verdict::independent);
        CHECK(r.verdict == Verdict::derived);
    }
}

TEST_CASE("a tower on one side only is inconclusive, never independent") {
    const auto a = synthetic_vlm("A", {.language_seed = 1, .vision_seed = 2, .projector_seed = 3});
    MemoryModel b("text-only B");
    for (const auto& t : a->tensors())
        if (t.role.tower.empty()) b.add(t.name, a->read(t), t.shape.size() == 1);
    CompareOptions o = tower_test_options();
    o.run_controls = false;
    const CompareResult r = compare_models(*a, b, o);
    REQUIRE(find_tower(r, "vision"));
    CHECK(find_tower(r, "vision")->verdict == Verdict::inconclusive);
    CHECK(find_tower(r, "vision")->reason == "present in A only");
    CHECK(find_tower(r, "vision")->tensors_b == 0);
}

TEST_CASE("a real HyperCLOVA X SEED Vision V2 checkpoint: towers found, paired block by block") {
    // tests/data/models_families/hcx_vision_v2 (tools/fixtures/make_family_fixtures.py): a 2-block
    // Qwen2.5-VL vision tower, its merger, the model.projector linear and a HyperCLOVAX LM.
    const std::string path = std::string(LINEAGE_SOURCE_DIR) + "/tests/data/models_families/hcx_vision_v2";
    const CheckpointView a(path), b(path);
    int vision = 0, projector = 0;
    for (const auto& t : a.tensors()) {
        vision += t.role.tower == "vision";
        projector += t.role.tower == "projector";
    }
    CHECK(vision > 0);
    CHECK(projector > 0);
    CompareOptions o = tower_test_options();
    o.run_controls = false;
    const CompareResult r = compare_models(a, b, o);
    REQUIRE(find_tower(r, "vision"));
    REQUIRE(find_tower(r, "projector"));
    CHECK(find_tower(r, "vision")->verdict == Verdict::derived);
    CHECK(find_tower(r, "vision")->median_pearson == doctest::Approx(1.0));
    std::vector<int> blocks;
    for (const auto& blk : find_tower(r, "vision")->blocks) blocks.push_back(blk.block);
    CHECK(blocks == std::vector<int>{-1, 0, 1});
    CHECK(find_tower(r, "projector")->verdict == Verdict::derived);
}
