// The link probe (see link_probe.h).
#include "probes/weights/link_probe.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <sstream>

#include "probes/stats/cka.h"
#include "probes/stats/correlation.h"
#include "probes/stats/distributions.h"
#include "probes/stats/figure_text.h"
#include "probes/stats/random.h"
#include "probes/stats/thread_pool.h"
#include "probes/weights/neuron_matching.h"
#include "probes/weights/pair_context.h"

namespace lineage::probes::weights {
namespace {

constexpr double kLn10 = 2.302585092994045684;

MatrixF select_rows(const MatrixF& m, const std::vector<std::int32_t>& rows) {
    if (static_cast<Eigen::Index>(rows.size()) == m.rows()) return m;
    MatrixF out(static_cast<Eigen::Index>(rows.size()), m.cols());
    for (std::size_t k = 0; k < rows.size(); ++k) out.row(static_cast<Eigen::Index>(k)) = m.row(rows[k]);
    return out;
}

// Why the two layers' MLP blocks do not pair one to one by position ("" when they do).
std::string blocks_mismatch(const std::vector<NeuronBlock>& a, const std::vector<NeuronBlock>& b) {
    if (a.size() != b.size()) return "different numbers of MLP blocks";
    for (std::size_t k = 0; k < a.size(); ++k)
        if (a[k].expert != b[k].expert || a[k].fused != b[k].fused) return "MLP blocks of different kinds";
    return "";
}

// Gate (up = false) or up rows of A's subset matched to all of B's rows: the column of each row.
// The subset is fixed by A's block size and the subset seed alone (neuron_subset).
std::vector<std::int32_t> matched_columns(const ModelView& a, const ModelView& b, const NeuronBlock& ba,
                                          const NeuronBlock& bb, bool up, std::int64_t limit,
                                          bool& certified) {
    const MatrixF all_a = block_rows(a, ba, up, nullptr);
    const MatrixF rows_a = select_rows(all_a, neuron_subset(all_a.rows(), limit));
    const CosineMatch m = match_by_cosine(rows_a, block_rows(b, bb, up, nullptr));
    certified = certified && m.certified;
    return m.row_to_col;
}

struct BlockOutcome {
    double neg_log10_p = 0.0, spearman = 0.0;
    std::int64_t neurons = 0;
    bool certified = true;
};

// Neuron matching of one block pair on a fixed subset of A's rows (neuron_matching.h).
BlockOutcome match_block(const ModelView& a, const ModelView& b, const NeuronBlock& ba,
                         const NeuronBlock& bb, std::int64_t limit) {
    BlockOutcome out;
    // Gate then up, so that only one pair of matrices is held at a time.
    const auto gate = matched_columns(a, b, ba, bb, false, limit, out.certified);
    const auto up = matched_columns(a, b, ba, bb, true, limit, out.certified);
    std::vector<double> x, y;
    for (std::size_t k = 0; k < gate.size() && k < up.size(); ++k)
        if (gate[k] >= 0 && up[k] >= 0) x.push_back(gate[k]), y.push_back(up[k]);
    out.neurons = static_cast<std::int64_t>(x.size());
    if (x.size() < 3) return out;
    const auto t = stats::spearman_test(std::span<const double>(x), std::span<const double>(y),
                                        stats::Alternative::greater);
    out.spearman = t.r;
    out.neg_log10_p = t.neg_log10_p;
    return out;
}

// (dims x (q_out + k_out)) features of one layer over the chosen input dimensions; empty when the
// layer has no separate q and k of one input width.
stats::MatrixD qk_features(const ModelView& v, int layer, const std::vector<std::int32_t>& dims) {
    const TensorRef* q = v.find(Role::q_proj, layer);
    const TensorRef* k = v.find(Role::k_proj, layer);
    if (!q || !k) return {};
    const MatrixF wq = read_folded(v, *q), wk = read_folded(v, *k);
    if (wq.cols() != wk.cols()) return {};
    stats::MatrixD f(static_cast<Eigen::Index>(dims.size()), wq.rows() + wk.rows());
    for (std::size_t i = 0; i < dims.size(); ++i) {
        const auto r = static_cast<Eigen::Index>(i);
        f.row(r).head(wq.rows()) = wq.col(dims[i]).cast<double>().transpose();
        f.row(r).tail(wk.rows()) = wk.col(dims[i]).cast<double>().transpose();
    }
    return f;
}

// The attention invariant of layer l (attention_invariant.h) with the link's null size; the
// input dimensions are subsampled as compare does, seeded by the layer's seed.
void attention_layer(const ModelView& a, const ModelView& b, int layer, const LinkProbeOptions& o,
                     std::uint64_t seed, LinkLayer& out) {
    const TensorRef* qa = a.find(Role::q_proj, layer);
    const TensorRef* qb = b.find(Role::q_proj, layer);
    if (!qa || !qb || qa->cols() != qb->cols() || qa->cols() < 4) return;
    const std::int64_t d = qa->cols();
    std::vector<std::int32_t> dims;
    if (d > o.cka_dims) {
        stats::Rng rng(seed ^ 0x5eedULL);
        dims = stats::random_permutation(d, rng);
        dims.resize(static_cast<std::size_t>(o.cka_dims));
    } else {
        for (std::int64_t i = 0; i < d; ++i) dims.push_back(static_cast<std::int32_t>(i));
    }
    const stats::MatrixD x = qk_features(a, layer, dims);
    if (!x.size()) return;
    const stats::MatrixD y = qk_features(b, layer, dims);
    if (!y.size()) return;
    const auto t = stats::unbiased_cka_permutation_test(x, y, o.cka_shuffles, seed);
    out.dims = x.rows();
    out.cka = t.observed;
    out.cka_p = t.p_value;
    out.cka_null_mean = t.null_mean;
    out.cka_null_sd = t.null_sd;
    out.cka_null_max = t.null_max;
    out.shuffles = static_cast<std::int64_t>(t.null_draws.size());
    out.cka_z = t.null_sd > 0 ? (t.observed - t.null_mean) / t.null_sd : 0.0;
}

std::string fmt(double v, int prec = 3) { return stats::figure_text(v, prec); }

std::string summarise(const LinkProbeResult& r, const LinkProbeOptions& o) {
    std::ostringstream s;
    if (!r.not_applicable.empty())
        return "Link probe not applicable (" + r.not_applicable + "); the full weight probe decides.";
    double min_z = 1e300;
    std::int64_t neurons = 0;
    for (const auto& l : r.layers) {
        if (l.dims > 0) min_z = std::min(min_z, l.cka_z);
        neurons = std::max(neurons, l.neurons);
    }
    s << "Link probe (stored bases, layer l against layer l, " << r.layers.size() << " layers): "
      << "neuron matching on " << neurons << " neurons per layer gives -log10 p = "
      << fmt(r.neuron_neg_log10_p, 4) << " (threshold " << fmt(o.rule.neuron_threshold()) << "); "
      << "the attention invariant against " << o.cka_shuffles << " shuffles per layer gives -log10 p = "
      << fmt(r.attention_neg_log10_p, 4) << " (threshold " << fmt(o.rule.attention_corroboration_neg_log10_p)
      << ")";
    if (min_z < 1e300) s << ", every layer's CKA at least " << fmt(min_z) << " null sd above the null mean";
    s << ". ";
    s << (r.dependent ? "The later checkpoint DESCENDS from the earlier one."
                      : "Dependence is not shown by the link probe; the full weight probe decides.");
    return s.str();
}

}  // namespace

LinkProbeResult probe_link(const ModelView& a, const ModelView& b, const LinkProbeOptions& o) {
    const auto t0 = std::chrono::steady_clock::now();
    LinkProbeResult r;
    r.seed = o.seed.value_or(o.rule.seed);
    const int layers = a.num_layers();
    if (layers != b.num_layers() || layers <= 0) {
        r.not_applicable = "different numbers of layers";
    } else {
        for (int l = 0; l < layers && r.not_applicable.empty(); ++l) {
            const std::string why = blocks_mismatch(mlp_blocks(a, l), mlp_blocks(b, l));
            if (!why.empty()) r.not_applicable = "layer " + std::to_string(l) + ": " + why;
            else if (mlp_blocks(a, l).empty()) r.not_applicable = "layer " + std::to_string(l) + " has no MLP";
        }
    }
    if (!r.not_applicable.empty()) {
        r.summary = summarise(r, o);
        return r;
    }
    r.layers.resize(static_cast<std::size_t>(layers));
    std::vector<std::vector<double>> block_logs(static_cast<std::size_t>(layers));
    stats::parallel_for(static_cast<std::size_t>(layers), [&](std::size_t li) {
        const int l = static_cast<int>(li);
        LinkLayer& out = r.layers[li];
        out.layer = l;
        const auto ba = mlp_blocks(a, l), bb = mlp_blocks(b, l);
        out.certified = true;
        out.spearman = 1.0;
        for (std::size_t k = 0; k < ba.size(); ++k) {
            const BlockOutcome m = match_block(a, b, ba[k], bb[k], o.neuron_rows);
            out.neurons += m.neurons;
            out.certified = out.certified && m.certified;
            out.spearman = std::min(out.spearman, m.spearman);
            block_logs[li].push_back(-m.neg_log10_p * kLn10);
        }
        out.neuron_neg_log10_p = stats::neg_log10(stats::fisher_combine_log(block_logs[li]));
        // Same seed as compare's attention null for the matched pair (l, l).
        attention_layer(a, b, l, o, r.seed + 1000 + static_cast<std::uint64_t>(l), out);
    });
    std::vector<double> neuron_logs, attention_logs;
    for (std::size_t l = 0; l < r.layers.size(); ++l) {
        neuron_logs.insert(neuron_logs.end(), block_logs[l].begin(), block_logs[l].end());
        if (r.layers[l].dims > 0) attention_logs.push_back(std::log(r.layers[l].cka_p));
    }
    r.neuron_neg_log10_p = neuron_logs.empty() ? 0.0 : stats::neg_log10(stats::fisher_combine_log(neuron_logs));
    r.attention_neg_log10_p =
        attention_logs.empty() ? 0.0 : stats::neg_log10(stats::fisher_combine_log(attention_logs));
    r.neg_log10_p = std::max(0.0, std::max(r.neuron_neg_log10_p, r.attention_neg_log10_p) - std::log10(2.0));
    r.dependent = r.neuron_neg_log10_p >= o.rule.neuron_threshold() &&
                  r.attention_neg_log10_p >= o.rule.attention_corroboration_neg_log10_p;
    r.summary = summarise(r, o);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

}  // namespace lineage::probes::weights
