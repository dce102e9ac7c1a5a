// Expert-level matching on tiny synthetic models built in memory: a dense model A; B, A sparsely
// upcycled (each layer's MLP copied into 4 experts, neurons permuted and noised per expert, a fresh
// router); C, an independently initialised MoE model of the same shape; D, B with its experts
// reordered and noised. Upcycling is found expert by expert (every routed expert descends from
// A's dense MLP), C is not, D's experts are matched back to B's (by all block pairs and by the
// cheap signatures), and compare_models reports it end to end.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "probes/stats/random.h"
#include "probes/weights/compare.h"
#include "probes/weights/expert_matching.h"
#include "probes/weights/model_view.h"
#include "probes/weights/pair_context.h"
#include "probes/weights/weight_summary.h"

using namespace lineage::probes::weights;
namespace st = lineage::probes::stats;

namespace {

constexpr int kVocab = 128, kHidden = 32, kLayers = 2, kInter = 48, kExperts = 4;

MatrixF gaussian(Eigen::Index r, Eigen::Index c, st::Rng& rng, double sd = 1.0) {
    MatrixF m(r, c);
    for (Eigen::Index k = 0; k < m.size(); ++k)
        m.data()[k] = static_cast<float>(sd * st::standard_normal(rng));
    return m;
}

struct Mlp {
    MatrixF gate, up, down;
};

struct Model {
    MatrixF embed, lm_head;
    std::vector<MatrixF> q, k, v, o;
    std::vector<Mlp> dense;                 // per layer (dense model)
    std::vector<std::vector<Mlp>> experts;  // per layer (MoE model)
    std::vector<MatrixF> router;
};

Mlp random_mlp(st::Rng& rng) {
    return {gaussian(kInter, kHidden, rng), gaussian(kInter, kHidden, rng),
            gaussian(kHidden, kInter, rng)};
}

Model random_model(std::uint64_t seed, bool moe) {
    st::Rng rng(seed);
    Model m;
    m.embed = gaussian(kVocab, kHidden, rng);
    m.lm_head = gaussian(kVocab, kHidden, rng);
    for (int l = 0; l < kLayers; ++l) {
        m.q.push_back(gaussian(kHidden, kHidden, rng));
        m.k.push_back(gaussian(kHidden, kHidden, rng));
        m.v.push_back(gaussian(kHidden, kHidden, rng));
        m.o.push_back(gaussian(kHidden, kHidden, rng));
        if (moe) {
            std::vector<Mlp> e;
            for (int x = 0; x < kExperts; ++x) e.push_back(random_mlp(rng));
            m.experts.push_back(e);
            m.router.push_back(gaussian(kExperts, kHidden, rng));
        } else {
            m.dense.push_back(random_mlp(rng));
        }
    }
    return m;
}

// The MLP with its neurons permuted and relative noise added.
Mlp perturbed(const Mlp& in, st::Rng& rng, double noise) {
    const auto p = st::random_permutation(kInter, rng);
    Mlp out = in;
    for (int i = 0; i < kInter; ++i) {
        out.gate.row(i) = in.gate.row(p[i]);
        out.up.row(i) = in.up.row(p[i]);
        out.down.col(i) = in.down.col(p[i]);
    }
    out.gate += gaussian(kInter, kHidden, rng, noise);
    out.up += gaussian(kInter, kHidden, rng, noise);
    out.down += gaussian(kHidden, kInter, rng, noise);
    return out;
}

Model upcycle(Model m, std::uint64_t seed) {
    st::Rng rng(seed);
    for (int l = 0; l < kLayers; ++l) {
        std::vector<Mlp> e;
        for (int x = 0; x < kExperts; ++x)
            e.push_back(perturbed(m.dense[static_cast<std::size_t>(l)], rng, 0.3));
        m.experts.push_back(e);
        m.router.push_back(gaussian(kExperts, kHidden, rng));
    }
    m.dense.clear();
    return m;
}

// Experts reordered by `order` (new expert x = old expert order[x]) and noised.
Model reorder_experts(Model m, const std::vector<int>& order, std::uint64_t seed) {
    st::Rng rng(seed);
    for (auto& layer : m.experts) {
        std::vector<Mlp> e;
        for (int x : order) e.push_back(perturbed(layer[static_cast<std::size_t>(x)], rng, 0.3));
        layer = e;
    }
    return m;
}

std::unique_ptr<MemoryModel> to_view(const Model& m, const std::string& label) {
    auto v = std::make_unique<MemoryModel>(label);
    v->add("model.embed_tokens.weight", m.embed);
    v->add("lm_head.weight", m.lm_head);
    v->add("model.norm.weight", MatrixF::Ones(1, kHidden), true);
    for (int l = 0; l < kLayers; ++l) {
        const std::string p = "model.layers." + std::to_string(l) + ".";
        const auto L = static_cast<std::size_t>(l);
        v->add(p + "self_attn.q_proj.weight", m.q[L]);
        v->add(p + "self_attn.k_proj.weight", m.k[L]);
        v->add(p + "self_attn.v_proj.weight", m.v[L]);
        v->add(p + "self_attn.o_proj.weight", m.o[L]);
        v->add(p + "input_layernorm.weight", MatrixF::Ones(1, kHidden), true);
        v->add(p + "post_attention_layernorm.weight", MatrixF::Ones(1, kHidden), true);
        if (!m.dense.empty()) {
            v->add(p + "mlp.gate_proj.weight", m.dense[L].gate);
            v->add(p + "mlp.up_proj.weight", m.dense[L].up);
            v->add(p + "mlp.down_proj.weight", m.dense[L].down);
        } else {
            v->add(p + "mlp.gate.weight", m.router[L]);
            for (int x = 0; x < kExperts; ++x) {
                const std::string e = p + "mlp.experts." + std::to_string(x) + ".";
                v->add(e + "gate_proj.weight", m.experts[L][static_cast<std::size_t>(x)].gate);
                v->add(e + "up_proj.weight", m.experts[L][static_cast<std::size_t>(x)].up);
                v->add(e + "down_proj.weight", m.experts[L][static_cast<std::size_t>(x)].down);
            }
        }
    }
    return v;
}

std::vector<ExpertLayerOutcome> run(const ModelView& a, const ModelView& b,
                                    std::int64_t max_block_pairs = 1024) {
    const VerdictRule rule = default_verdict_rule();
    const WeightSummary sa = summarize(a), sb = summarize(b);
    PairContext ctx{a, b, sa, sb, rule, MatrixF(), false};
    const std::vector<std::pair<int, int>> pairs{{0, 0}, {1, 1}};
    ExpertMatchingOptions o;
    o.max_block_pairs = max_block_pairs;
    return expert_matching(ctx, pairs, o);
}

}  // namespace

TEST_CASE("expert matching: B's experts each descend from A's dense MLP (sparse upcycling)") {
    const Model dense = random_model(1, false);
    const auto a = to_view(dense, "A");
    const auto b = to_view(upcycle(dense, 2), "A-moe");
    const auto out = run(*a, *b);
    REQUIRE(out.size() == 2);
    for (const auto& o : out) {
        CHECK(o.kind == "dense_vs_experts");
        CHECK(o.blocks_b == kExperts);
        CHECK(o.descended == kExperts);
        CHECK(o.upcycled);
        for (double p : o.neg_log10_p) CHECK(p > 10.0);
    }
}

TEST_CASE("expert matching: an independent MoE model is not upcycled from A") {
    const auto a = to_view(random_model(1, false), "A");
    const auto c = to_view(random_model(3, true), "C");
    const auto out = run(*a, *c);
    REQUIRE(out.size() == 2);
    for (const auto& o : out) {
        CHECK(o.kind == "dense_vs_experts");
        CHECK(o.descended == 0);
        CHECK_FALSE(o.upcycled);
    }
}

TEST_CASE(
    "expert matching: reordered experts of a fine-tuned MoE are matched back to their parents") {
    const Model parent = random_model(5, true);  // four unrelated experts per layer
    const auto b = to_view(parent, "B");
    const std::vector<int> order{2, 0, 3, 1};
    const auto d = to_view(reorder_experts(parent, order, 6), "D");
    for (std::int64_t budget : {std::int64_t{1024}, std::int64_t{1}}) {
        CAPTURE(budget);
        const auto out = run(*b, *d, budget);
        REQUIRE(out.size() == 2);
        for (const auto& o : out) {
            CHECK(o.kind == "experts_vs_experts");
            CHECK(o.selection == (budget == 1 ? "expert signatures" : "all pairs"));
            REQUIRE(o.matched_a.size() == static_cast<std::size_t>(kExperts));
            for (int x = 0; x < kExperts; ++x) {
                CHECK(o.expert_b[static_cast<std::size_t>(x)] == x);
                CHECK(o.matched_a[static_cast<std::size_t>(x)] ==
                      order[static_cast<std::size_t>(x)]);
            }
            CHECK(o.descended == kExperts);
        }
    }
    // Against unrelated experts nothing descends.
    const auto c = to_view(random_model(9, true), "C");
    for (const auto& o : run(*b, *c)) CHECK(o.descended == 0);
}

TEST_CASE("compare_models reports upcycling expert by expert") {
    const Model dense = random_model(1, false);
    const auto a = to_view(dense, "A");
    const auto b = to_view(upcycle(dense, 2), "A-moe");
    CompareOptions opt;
    opt.rule = default_verdict_rule();
    opt.rule.cka_shuffles = 200;
    opt.run_controls = false;
    const CompareResult r = compare_models(*a, *b, opt);
    CHECK(r.verdict == Verdict::derived);
    REQUIRE(r.expert_layers.size() == 2);
    for (const auto& o : r.expert_layers) CHECK(o.upcycled);
    int expert_stats = 0;
    for (const auto& s : r.stats) expert_stats += s.family == "expert_matching" && s.beyond_null;
    CHECK(expert_stats == 2 * kExperts);
    CHECK(r.summary.find("upcycled") != std::string::npos);
}
