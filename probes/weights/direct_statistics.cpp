// Exact reuse and unaligned Pearson (see direct_statistics.h).
#include "probes/weights/direct_statistics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "probes/stats/correlation.h"
#include "probes/stats/distributions.h"
#include "probes/stats/sketch.h"
#include "probes/stats/thread_pool.h"

namespace lineage::probes::weights {

double pearson_band_neg_log10_p(double r, double n, double rho0) {
    const double rc = std::clamp(r, -0.999999, 0.999999);
    const double z = (std::atanh(rc) - std::atanh(rho0)) * std::sqrt(std::max(1.0, n - 3));
    return std::max(0.0, stats::neg_log10(stats::log_normal_sf(z)));
}

double shuffle_null_half_width(double n) { return 4.753 / std::sqrt(std::max(1.0, n - 1)); }

double append_and_best(std::vector<ComponentStat>& stats, std::vector<ComponentStat>& out) {
    double best = 0.0;
    for (auto& c : stats) {
        if (c.beyond_null) best = std::max(best, c.neg_log10_p);
        out.push_back(std::move(c));
    }
    stats.clear();
    return best;
}

namespace {

bool is_norm(Role r) {
    switch (r) {
        case Role::attn_norm: case Role::mlp_norm: case Role::post_attn_norm:
        case Role::post_mlp_norm: case Role::final_norm: case Role::q_norm: case Role::k_norm:
        case Role::q_a_norm: case Role::kv_a_norm:
            return true;
        default:
            return false;
    }
}

bool rope_indexed(Role r) { return r == Role::q_norm || r == Role::k_norm; }

}  // namespace

bool exact_reuse(const PairContext& ctx, std::vector<ComponentStat>& out) {
    std::map<std::string, std::size_t> by_sha;
    const auto& ta = ctx.a.tensors();
    for (std::size_t i = 0; i < ta.size(); ++i) {
        const auto& s = ctx.sa.tensors[i];
        if (!s.constant && s.rows * s.cols >= ctx.rule.exact_reuse_min_elements)
            by_sha.emplace(s.sha256, i);
    }
    bool hit = false;
    const auto& tb = ctx.b.tensors();
    for (std::size_t j = 0; j < tb.size(); ++j) {
        const auto& s = ctx.sb.tensors[j];
        if (s.constant || s.rows * s.cols < ctx.rule.exact_reuse_min_elements) continue;
        const auto it = by_sha.find(s.sha256);
        if (it != by_sha.end()) {
            ComponentStat c;
            c.family = "exact_reuse";
            c.statistic = "sha256_equal";
            c.component = ta[it->second].name + " = " + tb[j].name;
            c.layer_a = ta[it->second].role.layer, c.layer_b = tb[j].role.layer;
            c.value = 1.0;
            c.neg_log10_p = std::numeric_limits<double>::infinity();
            c.null_kind = "independent weights never share a digest";
            c.beyond_null = true;
            out.push_back(c);
            hit = true;
            continue;
        }
        // Row MinHash against the same role in A (same layer index when the role has layers).
        const TensorRef* pa = ctx.a.find(tb[j].role.role, tb[j].role.layer, tb[j].role.expert);
        const TensorSummary* sa = ctx.sa.of(ctx.a, pa);
        if (!sa || !stats::row_sketch_applies(s.rows, s.cols) || !stats::row_sketch_applies(sa->rows, sa->cols) ||
            s.cols != sa->cols)
            continue;
        const double jac = stats::minhash_jaccard(sa->row_minhash, s.row_minhash);
        if (jac >= ctx.rule.minhash_min_jaccard) {
            ComponentStat c;
            c.family = "exact_reuse";
            c.statistic = "row_minhash_jaccard";
            c.component = pa->name + " ~ " + tb[j].name;
            c.layer_a = pa->role.layer, c.layer_b = tb[j].role.layer;
            c.value = jac;
            c.neg_log10_p = std::numeric_limits<double>::infinity();
            c.null_lo = 0.0, c.null_hi = 0.0;
            c.null_kind = "independent weights share no bit-identical rows";
            c.beyond_null = true;
            out.push_back(c);
            hit = true;
        }
    }
    return hit;
}

double unaligned_pearson(const PairContext& ctx, const std::vector<std::pair<int, int>>& layer_pairs,
                         std::vector<ComponentStat>& out, std::vector<double>* raw_cosines) {
    struct Job {
        const TensorRef* a;
        const TensorRef* b;
    };
    std::vector<Job> jobs;
    std::set<std::pair<const TensorRef*, const TensorRef*>> seen;
    auto add_pairs = [&](int la, int lb) {
        for (const auto& t : ctx.a.tensors()) {
            if (t.role.layer != la || t.role.is_bias || !t.role.tower.empty() ||
                t.role.role == Role::other)
                continue;
            const TensorRef* b = ctx.b.find(t.role.role, lb, t.role.expert);
            if (b && b->shape == t.shape && seen.insert({&t, b}).second) jobs.push_back({&t, b});
        }
    };
    add_pairs(-1, -1);
    for (auto [i, j] : layer_pairs) add_pairs(i, j);
    std::vector<ComponentStat> stats(jobs.size());
    std::vector<double> raw(jobs.size(), std::nan(""));
    stats::parallel_for(jobs.size(), [&](std::size_t k) {
        const MatrixF a = ctx.a.read(*jobs[k].a), b = ctx.b.read(*jobs[k].b);
        const std::span<const float> va(a.data(), static_cast<std::size_t>(a.size()));
        const std::span<const float> vb(b.data(), static_cast<std::size_t>(b.size()));
        ComponentStat& c = stats[k];
        c.family = "pearson";
        c.component = std::string(lineage::weights::role_name(jobs[k].a->role.role));
        c.layer_a = jobs[k].a->role.layer, c.layer_b = jobs[k].b->role.layer;
        c.expert_a = jobs[k].a->role.expert, c.expert_b = jobs[k].b->role.expert;
        const double n = static_cast<double>(a.size());
        if (is_norm(jobs[k].a->role.role)) {
            std::vector<double> da(va.begin(), va.end()), db(vb.begin(), vb.end());
            const auto t = stats::spearman_test(std::span<const double>(da),
                                                std::span<const double>(db),
                                                stats::Alternative::greater);
            c.statistic = "spearman_rank (norm gains)";
            c.value = t.r;
            c.neg_log10_p = t.neg_log10_p;
            c.null_kind = "permutation of gains (t approximation)";
        } else {
            double ab = 0, aa = 0, bb = 0;
            for (std::size_t e = 0; e < va.size(); ++e)
                ab += double(va[e]) * vb[e], aa += double(va[e]) * va[e], bb += double(vb[e]) * vb[e];
            if (aa > 0 && bb > 0 && c.layer_a == c.layer_b) raw[k] = ab / std::sqrt(aa * bb);
            c.statistic = "pearson_centred";
            c.value = stats::pearson(va, vb);
            // The shuffle null (rho = 0) is too narrow for independent models trained on the same
            // data with the same tokenizer: their token-indexed matrices correlate a little (zoo
            // A vs B lm_head: 0.13, p = 1e-126 under the shuffle null). So the null of independent
            // models is the band rho <= pearson_min_effect, tested one-sided with Fisher's z; the
            // shuffle null's range is still reported beside it.
            const double rho0 = ctx.rule.pearson_min_effect;
            c.neg_log10_p = pearson_band_neg_log10_p(c.value, n, rho0);
            c.null_kind = "independent-pair band rho <= " + std::to_string(rho0).substr(0, 4) +
                          " (Fisher z, one-sided); shuffle null range shown";
        }
        c.null_hi = shuffle_null_half_width(n);
        c.null_lo = -c.null_hi;
        c.beyond_null = c.neg_log10_p >= ctx.rule.derived_neg_log10_p &&
                        c.value >= ctx.rule.pearson_min_effect;
        if (rope_indexed(jobs[k].a->role.role)) {
            // Per-head q/k norm gains are indexed by RoPE frequency, not by an arbitrary hidden
            // unit: independent models agree on them (zoo A vs B: Spearman 0.74-0.78), so the
            // shuffle null does not apply. Reported, never counted.
            c.beyond_null = false;
            c.descriptive = true;
            c.null_kind = "descriptive only: dims indexed by RoPE frequency are not exchangeable";
        }
    });
    if (raw_cosines)
        for (double v : raw)
            if (!std::isnan(v)) raw_cosines->push_back(v);
    return append_and_best(stats, out);
}

}  // namespace lineage::probes::weights
