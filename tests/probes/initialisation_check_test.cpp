// The initialisation check: a model drawn the way transformers initialises one (normal(0, 0.02),
// norm gains 1) looks like an initialisation; the same model with low-rank "learned" directions and
// spread embedding norms looks trained; a rescaled draw with no structure is unclear. On the mini
// zoo, B's step-0 checkpoint (written by transformers itself) is an initialisation, while B, its
// step-250 checkpoint and E's step-50 checkpoint (A fine-tuned 50 steps) are trained. The rule
// file matches the built-in defaults.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "probes/stats/random.h"
#include "probes/weights/initialisation_check.h"
#include "probes/weights/model_view.h"
#include "weights/checkpoint.h"

using namespace lineage::probes::weights;
namespace st = lineage::probes::stats;

namespace {

constexpr int kVocab = 384, kHidden = 48, kLayers = 2, kInter = 128;

MatrixF gaussian(Eigen::Index r, Eigen::Index c, st::Rng& rng, double sd) {
    MatrixF m(r, c);
    for (Eigen::Index k = 0; k < m.size(); ++k)
        m.data()[k] = static_cast<float>(sd * st::standard_normal(rng));
    return m;
}

// `structure` > 0 adds rank-2 directions of that many times the matrix's noise edge and scales
// embedding rows by varied factors, the way training leaves them.
MemoryModel tiny(std::uint64_t seed, double sd, double structure) {
    st::Rng rng(seed);
    MemoryModel m("tiny-" + std::to_string(seed));
    auto mat = [&](Eigen::Index r, Eigen::Index c) {
        MatrixF w = gaussian(r, c, rng, sd);
        if (structure > 0) {
            const MatrixF u = gaussian(r, 2, rng, 1.0), v = gaussian(2, c, rng, 1.0);
            const double edge = sd * (std::sqrt(double(r)) + std::sqrt(double(c)));
            const MatrixF lr = u * v;
            w += lr * static_cast<float>(structure * edge / lr.norm() * std::sqrt(2.0));
        }
        return w;
    };
    auto embedding = [&]() {
        MatrixF e = mat(kVocab, kHidden);
        if (structure > 0)
            for (Eigen::Index r = 0; r < e.rows(); ++r) e.row(r) *= float(0.3 + 1.5 * (r % 7) / 6.0);
        return e;
    };
    m.add("model.embed_tokens.weight", embedding());
    m.add("lm_head.weight", embedding());
    m.add("model.norm.weight", MatrixF::Ones(1, kHidden), true);
    for (int l = 0; l < kLayers; ++l) {
        const std::string p = "model.layers." + std::to_string(l) + ".";
        m.add(p + "self_attn.q_proj.weight", mat(kHidden, kHidden));
        m.add(p + "self_attn.k_proj.weight", mat(kHidden, kHidden));
        m.add(p + "self_attn.v_proj.weight", mat(kHidden, kHidden));
        m.add(p + "self_attn.o_proj.weight", mat(kHidden, kHidden));
        m.add(p + "mlp.gate_proj.weight", mat(kInter, kHidden));
        m.add(p + "mlp.up_proj.weight", mat(kInter, kHidden));
        m.add(p + "mlp.down_proj.weight", mat(kHidden, kInter));
        m.add(p + "input_layernorm.weight", MatrixF::Ones(1, kHidden), true);
        m.add(p + "post_attention_layernorm.weight", MatrixF::Ones(1, kHidden), true);
    }
    return m;
}

InitScheme scheme_002() {
    InitScheme s;
    s.std = 0.02;
    s.std_source = "test";
    return s;
}

const std::string kZoo = std::string(LINEAGE_SOURCE_DIR) + "/tests/data/minizoo/";

InitialisationResult check_folder(const std::string& path) {
    const auto rule = default_initialisation_rule();
    const auto ckpt = lineage::weights::Checkpoint::open(path);
    const CheckpointView view(path);
    return check_initialisation(view, init_scheme_for(ckpt.config() ? &*ckpt.config() : nullptr, rule),
                                rule);
}

}  // namespace

TEST_CASE("a transformers-style draw looks like an initialisation") {
    const auto r = check_initialisation(tiny(1, 0.02, 0.0), scheme_002(), default_initialisation_rule());
    CHECK(r.look == InitLook::initialisation);
    CHECK(r.matrices == 2 + 7 * kLayers);
    CHECK(r.embeddings == 2);
    CHECK(r.spectral_outliers == 0);
    CHECK(r.embeddings_structured == 0);
    CHECK(r.std_consistent == r.matrices);
    CHECK(r.norms == 1 + 2 * kLayers);
    CHECK(r.norms_at_init == r.norms);
    CHECK(r.median_spectral_ratio == doctest::Approx(1.0).epsilon(0.1));
    CHECK(r.median_std_ratio == doctest::Approx(1.0).epsilon(0.05));
    for (const auto& t : r.tensors)
        if (t.kind == TensorKind::matrix) CHECK(t.spectral_null_hi > 0.9);
}

TEST_CASE("learned low-rank directions and spread embedding norms look trained") {
    const auto r = check_initialisation(tiny(2, 0.02, 3.0), scheme_002(), default_initialisation_rule());
    CHECK(r.look == InitLook::trained);
    CHECK(r.spectral_outliers == r.matrices);
    CHECK(r.embeddings_structured == 2);
    CHECK(r.max_spectral_ratio > 2.0);
}

TEST_CASE("an unstructured draw at another scale is unclear, and the rule's scheme matters") {
    const auto rule = default_initialisation_rule();
    const auto r = check_initialisation(tiny(3, 0.05, 0.0), scheme_002(), rule);
    CHECK(r.look == InitLook::unclear);
    CHECK(r.spectral_outliers == 0);
    CHECK(r.std_consistent == 0);
    InitScheme s = scheme_002();
    s.std = 0.05;
    CHECK(check_initialisation(tiny(3, 0.05, 0.0), s, rule).look == InitLook::initialisation);
}

TEST_CASE("the results do not depend on the thread schedule (seeded nulls)") {
    const auto rule = default_initialisation_rule();
    const auto a = check_initialisation(tiny(4, 0.02, 0.0), scheme_002(), rule);
    const auto b = check_initialisation(tiny(4, 0.02, 0.0), scheme_002(), rule);
    REQUIRE(a.tensors.size() == b.tensors.size());
    for (std::size_t i = 0; i < a.tensors.size(); ++i) {
        CHECK(a.tensors[i].spectral_ratio == b.tensors[i].spectral_ratio);
        CHECK(a.tensors[i].spectral_null_hi == b.tensors[i].spectral_null_hi);
    }
}

TEST_CASE("initialisation_rule.json matches the built-in defaults") {
    const InitialisationRule file = default_initialisation_rule();
    const InitialisationRule builtin;
    REQUIRE(file.source != builtin.source);  // the file was found
    CHECK(file.std_ratio_lo == builtin.std_ratio_lo);
    CHECK(file.std_ratio_hi == builtin.std_ratio_hi);
    CHECK(file.spectral_max_rows == builtin.spectral_max_rows);
    CHECK(file.spectral_max_cols == builtin.spectral_max_cols);
    CHECK(file.power_iterations == builtin.power_iterations);
    CHECK(file.embedding_null_max_rows == builtin.embedding_null_max_rows);
    CHECK(file.null_draws == builtin.null_draws);
    CHECK(file.null_margin == builtin.null_margin);
    CHECK(file.min_matrix_side == builtin.min_matrix_side);
    CHECK(file.init_min_fraction_std_consistent == builtin.init_min_fraction_std_consistent);
    CHECK(file.init_max_fraction_outliers == builtin.init_max_fraction_outliers);
    CHECK(file.init_min_fraction_norms_at_init == builtin.init_min_fraction_norms_at_init);
    CHECK(file.trained_min_fraction_outliers == builtin.trained_min_fraction_outliers);
    CHECK(file.default_std == builtin.default_std);
    CHECK(file.seed == builtin.seed);
}

TEST_CASE("mini zoo: B's step-0 checkpoint is an initialisation; trained checkpoints are not") {
    if (!std::filesystem::exists(kZoo + "checkpoints/B/step-000000/model.safetensors")) {
        MESSAGE("mini zoo checkpoints not found; skipped");
        return;
    }
    const auto init = check_folder(kZoo + "checkpoints/B/step-000000");
    CHECK(init.scheme.std_source == "config: initializer_range");
    CHECK(init.look == InitLook::initialisation);
    CHECK(check_folder(kZoo + "checkpoints/B/step-000250").look == InitLook::trained);
    CHECK(check_folder(kZoo + "B").look == InitLook::trained);
    CHECK(check_folder(kZoo + "checkpoints/E/step-000050").look == InitLook::trained);
}
