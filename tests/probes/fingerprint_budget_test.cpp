// The fingerprint's size budget (make_fingerprint.h): automatic settings step down a ladder (sketch
// dims, signature points, anchors) until the estimated payload fits `budget` of the model's bf16
// size, and a model too small for the budget at every step keeps the first settings. On mini zoo
// A (hidden 64, 2 layers, 172 K parameters) the budget is set from the same estimate the ladder
// uses, so each case lands on a known step.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "probes/fingerprint/make_fingerprint.h"
#include "probes/weights/model_view.h"

using namespace lineage::probes;

namespace {

const std::string kZoo = std::getenv("LINEAGE_TEST_MINIZOO")
                             ? std::string(std::getenv("LINEAGE_TEST_MINIZOO")) + "/"
                             : std::string(LINEAGE_SOURCE_DIR) + "/tests/data/minizoo/";

// Payload estimate at (k, anchors, points), as make_fingerprint computes it, as a share of bf16.
double share_at(const std::string& model, std::int64_t k, std::int64_t anchors, std::int64_t points) {
    const weights::CheckpointView view(model);
    std::int64_t params = 0, files = 0, vocab = 0;
    for (const auto& t : view.tensors()) params += t.elements();
    for (const char* f : fingerprint::kCarriedFiles)
        if (std::filesystem::exists(model + "/" + f))
            files += static_cast<std::int64_t>(std::filesystem::file_size(model + "/" + f));
    const auto* emb = view.find(lineage::weights::Role::token_embedding);
    vocab = emb->rows();
    const std::int64_t d = emb->cols();
    const std::int64_t bytes =
        fingerprint::estimate_payload_bytes(view, d, std::min(k, d / 2), std::min(anchors, vocab), files) +
        3 * points * (points + 1);  // (L + 1) x n(n+1)/2 bf16 values, L = 2
    return static_cast<double>(bytes) / (2.0 * static_cast<double>(params));
}

}  // namespace

TEST_CASE("fingerprint budget: the ladder steps down to the first settings that fit") {
    const std::string a = kZoo + "A";
    if (!std::filesystem::exists(a + "/model.safetensors")) {
        MESSAGE("mini zoo not present; skipped");
        return;
    }
    fingerprint::FingerprintOptions fo;
    fo.tool_version = "test";

    SUBCASE("room for everything: k = hidden/2, the full signature") {
        fo.budget = 100.0;
        const auto fp = fingerprint::make_fingerprint(a, fo);
        CHECK(fp.sketch_dims == 32);
        REQUIRE(fp.activations.has_value());
        CHECK(fp.activations->points.size() == 512);
    }
    SUBCASE("a budget that k = 16 with 2048 anchors and 256 points just meets") {
        const double share = share_at(a, 16, 2048, 256);
        CHECK(share < share_at(a, 32, 2048, 256));
        fo.budget = share * 1.0001;
        const auto fp = fingerprint::make_fingerprint(a, fo);
        CHECK(fp.sketch_dims == 16);
        REQUIRE(fp.activations.has_value());
        CHECK(fp.activations->points.size() == 256);
        // What is stored matches the estimate the ladder used (anchor strings and signature point
        // records are estimated, not counted: within 2%).
        CHECK(static_cast<double>(fp.payload_bytes()) <= 1.02 * share * 2.0 * static_cast<double>(fp.parameters));
    }
    SUBCASE("too small for the budget at every step: the first settings, not the smallest") {
        fo.budget = 1e-6;
        const auto fp = fingerprint::make_fingerprint(a, fo);
        CHECK(fp.sketch_dims == 32);
        REQUIRE(fp.activations.has_value());
        CHECK(fp.activations->points.size() == 512);
    }
    SUBCASE("settings the user fixed stay fixed") {
        fo.budget = 1e-6;
        fo.sketch_dims = 8;
        const auto fp = fingerprint::make_fingerprint(a, fo);
        CHECK(fp.sketch_dims == 8);
    }
}
