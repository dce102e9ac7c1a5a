// Fingerprints against the full weight probe. On the committed mini zoo (tests/data/minizoo, true
// relations in its README), screening a candidate against the fingerprint of A must give the
// verdict that comparing it with A's checkpoint gives: derived for A-sft and A-permrot (fine-tune;
// permuted+rotated), not derived for B, C and A-student. Also the pieces: the projection is
// seeded and shared by width, the sketch dims clamp, anchors are multi-byte tokens found again by
// byte string, and the tensor table projects readers by columns and writers by rows. Layout 2:
// the fingerprint carries the activation signature.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "probes/fingerprint/anchor_rows.h"
#include "probes/fingerprint/make_fingerprint.h"
#include "probes/fingerprint/screen.h"
#include "probes/fingerprint/sketch_tensors.h"
#include "probes/weights/compare.h"
#include "weights/tensor_roles.h"

using namespace lineage::probes;

namespace {

// LINEAGE_TEST_MINIZOO overrides the committed zoo's folder (e.g. a zoo being rebuilt).
const std::string kZoo = std::getenv("LINEAGE_TEST_MINIZOO")
                             ? std::string(std::getenv("LINEAGE_TEST_MINIZOO")) + "/"
                             : std::string(LINEAGE_SOURCE_DIR) + "/tests/data/minizoo/";

weights::CompareOptions options() {
    weights::CompareOptions o;
    o.rule = weights::default_verdict_rule();
    o.rule.cka_shuffles = 200;
    return o;
}

}  // namespace

TEST_CASE("fingerprint: projection, sketch dims and the tensor table") {
    using fingerprint::HiddenSide;
    using lineage::weights::Role;
    const auto r1 = fingerprint::projection_matrix(64, 16, 7), r2 = fingerprint::projection_matrix(64, 16, 7);
    CHECK(r1 == r2);
    CHECK(r1 != fingerprint::projection_matrix(64, 16, 8));
    CHECK(r1.rows() == 64);
    CHECK(r1.cols() == 16);
    // Orthonormal columns: R^T R = I (a shared non-identity R^T R would make any two sketches
    // look alike to CKA over the projected dims).
    CHECK((r1.transpose() * r1 - Eigen::MatrixXf::Identity(16, 16)).cwiseAbs().maxCoeff() < 1e-5);
    CHECK(fingerprint::sketch_dims_for(4096, 64) == 64);
    CHECK(fingerprint::sketch_dims_for(64, 64) == 32);
    CHECK(fingerprint::hidden_side(Role::q_proj) == HiddenSide::columns);
    CHECK(fingerprint::hidden_side(Role::mlp_gate) == HiddenSide::columns);
    CHECK(fingerprint::hidden_side(Role::o_proj) == HiddenSide::rows);
    CHECK(fingerprint::hidden_side(Role::mlp_down) == HiddenSide::rows);
    CHECK(fingerprint::hidden_side(Role::attn_norm) == HiddenSide::none);
}

TEST_CASE("fingerprint: anchors are multi-byte tokens, found again by byte string") {
    lineage::model::Vocabulary a, b;
    a.bytes_by_id = {"a", "the", "ing", "<s>", "er"};
    a.kind_by_id = {lineage::model::TokenKind::normal, lineage::model::TokenKind::normal,
                    lineage::model::TokenKind::normal, lineage::model::TokenKind::control,
                    lineage::model::TokenKind::normal};
    std::vector<std::int32_t> ids;
    std::vector<std::string> bytes;
    fingerprint::select_anchors(&a, 5, 10, ids, bytes);
    CHECK(ids == std::vector<std::int32_t>{1, 2, 4});
    CHECK(bytes == std::vector<std::string>{"the", "ing", "er"});
    fingerprint::select_anchors(&a, 5, 2, ids, bytes);
    CHECK(ids.size() == 2);
    b.bytes_by_id = {"er", "x", "the"};
    b.kind_by_id.assign(3, lineage::model::TokenKind::normal);
    fingerprint::select_anchors(&a, 5, 10, ids, bytes);
    CHECK(fingerprint::find_anchors(&b, 3, ids, bytes) == std::vector<std::int32_t>{2, -1, 0});
    CHECK(fingerprint::find_anchors(&b, 2, ids, bytes) == std::vector<std::int32_t>{-1, -1, 0});
}

TEST_CASE("fingerprint: screening gives the full probe's verdicts on the mini zoo") {
    if (!std::filesystem::exists(kZoo + "A/model.safetensors")) {
        MESSAGE("mini zoo not present; skipped");
        return;
    }
    fingerprint::FingerprintOptions fo;
    fo.tool_version = "test";
    const fingerprint::Fingerprint fp = fingerprint::make_fingerprint(kZoo + "A", fo);
    CHECK(fp.name == "A");
    CHECK(fp.hidden_size == 64);
    CHECK(fp.sketch_dims == 32);
    CHECK(fp.anchor_ids.size() > 100);
    CHECK(fp.source_digest.rfind("sha256:", 0) == 0);
    CHECK(fp.not_sketched.empty());
    // Layout 2: the activation signature on the bundled corpus, one Gram per hidden layer 0..L.
    REQUIRE(fp.activations.has_value());
    CHECK(fp.activations->grams.size() == 3);
    CHECK(fp.activations->points.size() >= 256);
    {
        // Compared by CKA with a candidate's: the fine-tune of A computes more like A than C does.
        const auto sft = activation::compute_signature(kZoo + "A-sft", activation::bundled_corpus(),
                                                       {static_cast<std::int64_t>(fp.activations->points.size())});
        const auto c = activation::compute_signature(kZoo + "C", activation::bundled_corpus(),
                                                     {static_cast<std::int64_t>(fp.activations->points.size())});
        const double to_sft = activation::compare_signatures(*fp.activations, sft).peak_cka;
        const double to_c = activation::compare_signatures(*fp.activations, c).peak_cka;
        MESSAGE("activation signature peak CKA: A-sft " << to_sft << ", C " << to_c);
        CHECK(to_sft > to_c);
    }
    const weights::CheckpointView base(kZoo + "A");
    for (const char* cand : {"A-sft", "A-permrot", "B", "C", "A-student"}) {
        CAPTURE(cand);
        const weights::CheckpointView view(kZoo + cand);
        const weights::CompareResult full = weights::compare_models(base, view, options());
        fingerprint::CandidateScreen screen(kZoo + cand);
        const fingerprint::ScreenResult sr = screen.compare(fp, options());
        MESSAGE(std::string(cand) << ": full " << std::string(weights::verdict_name(full.verdict)) << " (neuron "
                     << full.neuron_neg_log10_p << ", attention " << full.attention_neg_log10_p
                     << "), fingerprint " << std::string(weights::verdict_name(sr.result.verdict)) << " (neuron "
                     << sr.result.neuron_neg_log10_p << ", attention "
                     << sr.result.attention_neg_log10_p << ")");
        CHECK(sr.result.verdict == full.verdict);
        CHECK(sr.result.model_a == "A");
        CHECK(sr.shared_anchors > 16);
        const bool derived = std::string(cand) == "A-sft" || std::string(cand) == "A-permrot";
        CHECK((sr.result.verdict == weights::Verdict::derived) == derived);
    }
}

// The quick first stage is sound on the mini zoo: it never clears a candidate derived from the
// fingerprint's base (A-sft, A-permrot; A itself by exact reuse), its positive controls are
// detected, and the two-stage screen gives the full probe's verdict for every candidate.
TEST_CASE("fingerprint: the quick stage never clears a derived candidate") {
    if (!std::filesystem::exists(kZoo + "A/model.safetensors")) {
        MESSAGE("mini zoo not present; skipped");
        return;
    }
    fingerprint::FingerprintOptions fo;
    fo.tool_version = "test";
    const fingerprint::Fingerprint fp = fingerprint::make_fingerprint(kZoo + "A", fo);
    const weights::CheckpointView base(kZoo + "A");
    for (const char* cand : {"A", "A-sft", "A-permrot", "B", "C", "A-student"}) {
        CAPTURE(cand);
        fingerprint::CandidateScreen screen(kZoo + cand);
        const auto q = screen.quick(fp, options());
        MESSAGE(std::string(cand) << ": " << q.reason);
        const bool derived = std::string(cand) == "A" || std::string(cand) == "A-sft" ||
                             std::string(cand) == "A-permrot";
        if (derived) CHECK_FALSE(q.cleared);
        if (std::string(cand) == "A") CHECK_FALSE(q.exact_reuse.empty());
        if (q.anchor_cka.ran) CHECK(q.anchor_cka.control_detected);
        CHECK(q.anchor_cka.ran);
        if (q.exact_reuse.empty() && !q.map) CHECK(q.neuron_moments.ran);  // one width (64) in the mini zoo
        if (std::string(cand) == "A") continue;
        const weights::CompareResult full = weights::compare_models(base, weights::CheckpointView(kZoo + cand), options());
        const fingerprint::ScreenResult sr = screen.screen(fp, options());
        CHECK(sr.full_stage == !sr.quick.cleared);
        CHECK(sr.result.verdict == full.verdict);
    }
}
