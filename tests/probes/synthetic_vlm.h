// A tiny synthetic vision-language model in memory, for the tower tests of the weight probe and
// the audit: a Llama-style language model (2 blocks), a Qwen2.5-VL-style vision tower
// (patch embedding + 3 blocks of qkv/proj/gated MLP/norms) and its merger (the projector). Each
// part is drawn from its own seed, so a test can copy one part from another model and perturb it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "probes/stats/random.h"
#include "probes/weights/compare.h"
#include "probes/weights/model_view.h"

namespace lineage::test {

namespace pw = lineage::probes::weights;

struct SyntheticVlmParts {
    std::uint64_t language_seed = 1, vision_seed = 2, projector_seed = 3;
    double vision_noise = 0.0;           // relative std of noise added to the vision tower (a fine-tune)
    std::uint64_t vision_noise_seed = 4;
    std::string vision_prefix = "visual.";  // "model.visual." in transformers 5 checkpoints
};

inline pw::MatrixF synthetic_gaussian(Eigen::Index r, Eigen::Index c, probes::stats::Rng& rng, double sd = 1.0) {
    pw::MatrixF m(r, c);
    for (Eigen::Index k = 0; k < m.size(); ++k) m.data()[k] = static_cast<float>(sd * probes::stats::standard_normal(rng));
    return m;
}

inline std::unique_ptr<pw::MemoryModel> synthetic_vlm(const std::string& label, const SyntheticVlmParts& p) {
    using probes::stats::Rng;
    auto m = std::make_unique<pw::MemoryModel>(label);
    constexpr int vocab = 256, hidden = 32, inter = 96, layers = 2;
    Rng lm(p.language_seed);
    auto gains = [](Rng& rng, int n) {
        pw::MatrixF g(1, n);
        for (int k = 0; k < n; ++k) g(0, k) = static_cast<float>(1.0 + 0.2 * probes::stats::standard_normal(rng));
        return g;
    };
    m->add("model.embed_tokens.weight", synthetic_gaussian(vocab, hidden, lm));
    m->add("lm_head.weight", synthetic_gaussian(vocab, hidden, lm));
    m->add("model.norm.weight", gains(lm, hidden), true);
    for (int l = 0; l < layers; ++l) {
        const std::string b = "model.layers." + std::to_string(l) + ".";
        for (const char* n : {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj"})
            m->add(b + n + ".weight", synthetic_gaussian(hidden, hidden, lm));
        m->add(b + "mlp.gate_proj.weight", synthetic_gaussian(inter, hidden, lm));
        m->add(b + "mlp.up_proj.weight", synthetic_gaussian(inter, hidden, lm));
        m->add(b + "mlp.down_proj.weight", synthetic_gaussian(hidden, inter, lm));
        m->add(b + "input_layernorm.weight", gains(lm, hidden), true);
        m->add(b + "post_attention_layernorm.weight", gains(lm, hidden), true);
    }

    // Vision tower: width 64, 3 blocks; optional noise as a stand-in for fine-tuning a copy.
    constexpr int vw = 64, vinter = 128, vblocks = 3, patch = 96;
    Rng vis(p.vision_seed), noise(p.vision_noise_seed);
    auto tower = [&](Eigen::Index r, Eigen::Index c) {
        pw::MatrixF w = synthetic_gaussian(r, c, vis);
        if (p.vision_noise > 0) w += synthetic_gaussian(r, c, noise, p.vision_noise);
        return w;
    };
    const std::string v = p.vision_prefix;
    m->add(v + "patch_embed.proj.weight", tower(vw, patch));
    for (int l = 0; l < vblocks; ++l) {
        const std::string b = v + "blocks." + std::to_string(l) + ".";
        m->add(b + "attn.qkv.weight", tower(3 * vw, vw));
        m->add(b + "attn.proj.weight", tower(vw, vw));
        m->add(b + "mlp.gate_proj.weight", tower(vinter, vw));
        m->add(b + "mlp.up_proj.weight", tower(vinter, vw));
        m->add(b + "mlp.down_proj.weight", tower(vw, vinter));
        m->add(b + "norm1.weight", gains(vis, vw), true);
        m->add(b + "norm2.weight", gains(vis, vw), true);
    }
    // Projector (merger): 4 patches of the tower's width -> MLP -> the language model's width.
    Rng proj(p.projector_seed);
    m->add(v + "merger.ln_q.weight", gains(proj, vw), true);
    m->add(v + "merger.mlp.0.weight", synthetic_gaussian(4 * vw, 4 * vw, proj));
    m->add(v + "merger.mlp.2.weight", synthetic_gaussian(hidden, 4 * vw, proj));
    return m;
}

// The settings the tower tests compare at: the default rule, fewer CKA shuffles, controls on.
inline pw::CompareOptions tower_test_options() {
    pw::CompareOptions o;
    o.rule = pw::default_verdict_rule();
    o.rule.cka_shuffles = 200;
    o.run_controls = true;
    return o;
}

// The outcome of the tower named `name` ("vision", "projector"), or nullptr.
inline const pw::TowerOutcome* find_tower(const pw::CompareResult& r, const std::string& name) {
    for (const auto& t : r.towers)
        if (t.tower == name) return &t;
    return nullptr;
}

}  // namespace lineage::test
