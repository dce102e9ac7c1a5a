// Hidden map from block weights (see block_hidden_map.h).
#include "probes/weights/block_hidden_map.h"

#include <Eigen/Eigenvalues>
#include <Eigen/SVD>
#include <algorithm>
#include <limits>
#include <functional>
#include <cmath>
#include <numeric>
#include <sstream>

#include "probes/stats/assignment.h"
#include "probes/stats/cka.h"
#include "probes/stats/figure_text.h"
#include "probes/stats/symmetric_eigen.h"
#include "probes/stats/thread_pool.h"
#include "probes/weights/layer_sample_view.h"

namespace lineage::probes::weights {
namespace {

using stats::MatrixD;

constexpr int kCandidates = 3;       // layer pairs refined after the O(d^2) screen
constexpr int kRefineIterations = 12;
constexpr int kPowerIterations = 60;
constexpr int kMaxControls = 6;      // control block pairs for the null
constexpr double kDecisionMargin = 0.05;
constexpr double kRotationPreference = 0.1;  // a rotation must beat the permutation by this
constexpr std::int64_t kParallelLayersAbove = 512;

// Trace-centred, unit Frobenius norm (the identity part carries no basis information).
MatrixD normalised(const MatrixF& x) {
    MatrixD m = x.cast<double>();
    const double t = m.trace() / static_cast<double>(m.rows());
    m.diagonal().array() -= t;
    const double n = m.norm();
    if (n > 0) m /= n;
    return m;
}

// Above kScreenDims hidden dims the screen keeps only the kScreenDims eigen-directions of M with
// the largest eigenvalues (a d x d double matrix per stored invariant would take ~1.5 GB a layer
// at hidden 4096); the few refined candidates and the control blocks are recomputed in full.
constexpr Eigen::Index kScreenDims = 256;

// Cost guard for wide models: each examined layer costs a few n x d x d products and a d x d
// eigendecomposition (about 20 s of one core per layer at 7B shapes, against ~4 s for the layer's
// neuron matching), so above kAllLayersUpTo hidden dims only kWideLayers evenly spaced layers of
// each model are examined. A lift of blocks outside that sample is then not found through this
// map (the limit is stated in the map's note).
constexpr std::int64_t kAllLayersUpTo = 1024;
constexpr int kWideLayers = 4;
constexpr double kWideScreenMargin = 0.05;

// The layers of a model examined for the map: all, or an evenly spaced sample (first and last).
std::vector<bool> examined_layers(int layers, std::int64_t d) {
    std::vector<bool> keep(static_cast<std::size_t>(layers), d <= kAllLayersUpTo || layers <= kWideLayers);
    if (d > kAllLayersUpTo && layers > kWideLayers)
        for (const int l : evenly_spaced_layers(layers, kWideLayers)) keep[static_cast<std::size_t>(l)] = true;
    return keep;
}

struct LayerInvariants {
    bool ok = false;
    std::vector<MatrixD> fit;   // full only: [0] = M (symmetric), then Wd Wd', Wd Wg, Wd Wu
    std::vector<MatrixD> held;  // full or held_only: Wv'Wv, Wo Wo', Wo Wv
    MatrixD u;                  // eigenvectors of M (full: all, ascending; screen: the top k)
    Eigen::VectorXd lambda;     // their eigenvalues
    std::vector<MatrixD> y;     // U' X U for the fit matrices after M
};

enum class Depth { screen, full, held_only };

LayerInvariants layer_invariants(const ModelView& v, int layer, std::int64_t d, Depth depth) {
    LayerInvariants inv;
    const TensorRef* g = v.find(Role::mlp_gate, layer);
    const TensorRef* u = v.find(Role::mlp_up, layer);
    const TensorRef* dn = v.find(Role::mlp_down, layer);
    const TensorRef* vp = v.find(Role::v_proj, layer);
    const TensorRef* op = v.find(Role::o_proj, layer);
    if (!g || !u || !dn || !vp || !op) return inv;
    if (depth != Depth::screen) {
        const MatrixF wv = read_folded(v, *vp), wo = v.read(*op);
        if (wv.cols() != d || wo.rows() != d) return inv;
        inv.held.push_back(normalised(wv.transpose() * wv));
        inv.held.push_back(normalised(wo * wo.transpose()));
        if (wo.cols() == wv.rows()) inv.held.push_back(normalised(wo * wv));
        if (depth == Depth::held_only) {
            inv.ok = true;
            return inv;
        }
    }
    const MatrixF wg = read_folded(v, *g), wu = read_folded(v, *u), wd = v.read(*dn);
    if (wg.cols() != d || wu.cols() != d || wd.rows() != d || wd.cols() != wg.rows()) return inv;
    MatrixD m;
    {
        MatrixF mf = wg.transpose() * wg;
        mf.noalias() += wu.transpose() * wu;
        m = normalised(mf);
    }
    const Eigen::Index k = depth == Depth::full ? d : std::min<Eigen::Index>(d, kScreenDims);
    stats::SymmetricEigen es = stats::symmetric_eigen_top(m, k);
    if (!es.ok) return inv;
    inv.u = std::move(es.vectors);
    inv.lambda = std::move(es.values);
    auto add = [&](MatrixD x) {
        inv.y.push_back(inv.u.transpose() * x * inv.u);
        if (depth == Depth::full) inv.fit.push_back(std::move(x));
    };
    if (depth == Depth::full) inv.fit.push_back(std::move(m));
    add(normalised(wd * wd.transpose()));
    add(normalised(wd * wg));
    add(normalised(wd * wu));
    if (depth == Depth::screen && k < d) inv.u.resize(0, 0);  // not needed past the screen
    inv.ok = true;
    return inv;
}

// Eigenvector signs D with U_B' X_B U_B ~ D U_A' X_A U_A D for the fit matrices: the top
// eigenvector of S = sum (Y_A o Y_B + Y_A' o Y_B') (off-diagonal), found by shifted power
// iteration (O(d^2) per step), rounded to signs.
Eigen::VectorXd eigen_signs(const LayerInvariants& a, const LayerInvariants& b) {
    const Eigen::Index d = a.y.front().rows();
    MatrixD s = MatrixD::Zero(d, d);
    for (std::size_t k = 0; k < a.y.size(); ++k) {
        s.array() += a.y[k].array() * b.y[k].array();
        s.array() += a.y[k].transpose().array() * b.y[k].transpose().array();
    }
    s.diagonal().setZero();
    const double shift = s.cwiseAbs().rowwise().sum().maxCoeff();
    Eigen::VectorXd x = Eigen::VectorXd::Ones(d) / std::sqrt(static_cast<double>(d));
    for (int it = 0; it < kPowerIterations; ++it) {
        Eigen::VectorXd nx = s * x + shift * x;
        const double n = nx.norm();
        if (!(n > 0)) break;
        x = nx / n;
    }
    Eigen::VectorXd signs(d);
    for (Eigen::Index i = 0; i < d; ++i) signs[i] = x[i] < 0 ? -1.0 : 1.0;
    return signs;
}

// Fit of Q over matrix lists: mean Frobenius inner product of Q X_A Q' with X_B (both unit norm).
double mapped_fit(const MatrixD& q, const std::vector<MatrixD>& xa, const std::vector<MatrixD>& xb) {
    double s = 0;
    const std::size_t n = std::min(xa.size(), xb.size());
    for (std::size_t k = 0; k < n; ++k) s += ((q * xa[k] * q.transpose()).array() * xb[k].array()).sum();
    return n ? s / static_cast<double>(n) : 0.0;
}

// The screen: the eigenvector estimate's fit on the fit set, computed in the eigenbases.
double screen_fit(const LayerInvariants& a, const LayerInvariants& b, const Eigen::VectorXd& signs) {
    double s = a.lambda.dot(b.lambda);
    const MatrixD dd = signs * signs.transpose();
    for (std::size_t k = 0; k < a.y.size(); ++k) s += (dd.array() * a.y[k].array() * b.y[k].array()).sum();
    return s / static_cast<double>(a.y.size() + 1);
}

MatrixD polar(const MatrixD& m) {
    Eigen::BDCSVD<Eigen::MatrixXd> svd(Eigen::MatrixXd(m), Eigen::ComputeFullU | Eigen::ComputeFullV);
    return svd.matrixU() * svd.matrixV().transpose();
}

// Procrustes refinement of Q on the fit set: Q <- polar(sum_k X_B Q X_A' + X_B' Q X_A).
MatrixD refine(MatrixD q, const LayerInvariants& a, const LayerInvariants& b) {
    for (int it = 0; it < kRefineIterations; ++it) {
        MatrixD c = MatrixD::Zero(q.rows(), q.cols());
        for (std::size_t k = 0; k < a.fit.size(); ++k) {
            c.noalias() += b.fit[k] * q * a.fit[k].transpose();
            c.noalias() += b.fit[k].transpose() * q * a.fit[k];
        }
        q = polar(c);
    }
    return q;
}

// The signed permutation nearest to Q (assignment on |Q|).
MatrixD round_to_signed_permutation(const MatrixD& q) {
    const MatrixD mag = q.cwiseAbs();
    const auto asg = stats::solve_assignment(mag.data(), mag.rows(), mag.cols(), stats::Objective::maximize);
    MatrixD p = MatrixD::Zero(q.rows(), q.cols());
    for (Eigen::Index r = 0; r < q.rows(); ++r) {
        const std::int32_t c = asg.row_to_col[static_cast<std::size_t>(r)];
        if (c >= 0) p(r, c) = q(r, c) < 0 ? -1.0 : 1.0;
    }
    return p;
}

// Q and -Q fit every matrix above equally (each is quadratic in Q), but only one is the copy's
// basis: SiLU is not odd, and neuron matching maximises cosine, so -Q would match anti-neurons.
// The sign comes from a cubic invariant, T = sum_n down[:, n] (x) gate[n, :] (x) up[n, :], which
// transforms as Q (x) Q (x) Q and is invariant to neuron order:
//   <T_B, Q.T_A> = sum_{n,m} (Wd_B' Q Wd_A)_{nm} (Wg_B Q Wg_A')_{nm} (Wu_B Q Wu_A')_{nm},
// over a fixed subset of A's neurons (the cost is then n_B x |subset| x d per product).
double cubic_sign(const ModelView& va, const ModelView& vb, int la, int lb, const MatrixD& q) {
    auto rows = [](const ModelView& v, Role r, int l, bool fold) {
        const TensorRef* t = v.find(r, l);
        return fold ? read_folded(v, *t) : v.read(*t);
    };
    MatrixF ga = rows(va, Role::mlp_gate, la, true), ua = rows(va, Role::mlp_up, la, true);
    MatrixF da = rows(va, Role::mlp_down, la, false);
    const MatrixF gb = rows(vb, Role::mlp_gate, lb, true), ub = rows(vb, Role::mlp_up, lb, true);
    const MatrixF db = rows(vb, Role::mlp_down, lb, false);
    constexpr Eigen::Index kSubset = 512;
    if (ga.rows() > kSubset) {  // the first rows: the choice must not depend on the weights
        ga = MatrixF(ga.topRows(kSubset)), ua = MatrixF(ua.topRows(kSubset));
        da = MatrixF(da.leftCols(kSubset));
    }
    const MatrixF qf = q.cast<float>();
    const MatrixF k1 = db.transpose() * (qf * da);
    const MatrixF k2 = gb * (qf * ga.transpose());
    const MatrixF k3 = ub * (qf * ua.transpose());
    const double t = (k1.array().cast<double>() * k2.array().cast<double>() * k3.array().cast<double>()).sum();
    return t < 0 ? -1.0 : 1.0;
}

struct Candidate {
    int i = -1, j = -1;
    double screen = -1e300;
    MatrixD rot, perm;
    double rot_fit = 0.0, perm_fit = 0.0;
};

std::string fmt(double v, int prec = 3) { return stats::figure_text(v, prec); }

}  // namespace

BlockHiddenMap block_hidden_map(const PairContext& ctx, std::vector<ComponentStat>& stats_out) {
    BlockHiddenMap out;
    const int la = ctx.a.num_layers(), lb = ctx.b.num_layers();
    const TensorRef* ea = ctx.a.find(Role::token_embedding);
    const TensorRef* eb = ctx.b.find(Role::token_embedding);
    if (!ea || !eb || ea->cols() != eb->cols() || la < 1 || lb < 1) {
        out.note = "block map not tried (hidden widths differ or unknown)";
        return out;
    }
    const std::int64_t d = ea->cols();
    std::vector<LayerInvariants> ia(static_cast<std::size_t>(la)), ib(static_cast<std::size_t>(lb));
    // Layers in parallel only where the (single-threaded) eigendecomposition dominates; below that
    // the BLAS products' own threads do better than nested ones (zoo models: 3x less CPU).
    auto for_layers = [&](std::size_t n, const std::function<void(std::size_t)>& f) {
        if (d > kParallelLayersAbove) stats::parallel_for(n, f);
        else
            for (std::size_t k = 0; k < n; ++k) f(k);
    };
    const std::vector<bool> keep_a = examined_layers(la, d), keep_b = examined_layers(lb, d);
    for_layers(static_cast<std::size_t>(la + lb), [&](std::size_t k) {
        if (k < static_cast<std::size_t>(la)) {
            if (keep_a[k]) ia[k] = layer_invariants(ctx.a, static_cast<int>(k), d, Depth::screen);
        } else if (keep_b[k - la]) {
            ib[k - la] = layer_invariants(ctx.b, static_cast<int>(k - la), d, Depth::screen);
        }
    });
    const bool sampled = d > kAllLayersUpTo && std::max(la, lb) > kWideLayers;
    // Layer pairs: all of them when few, else the band around the proportional diagonal that
    // neuron matching uses.
    std::vector<std::pair<int, int>> pairs;
    const bool all = sampled || static_cast<std::int64_t>(la) * lb <= ctx.rule.max_layer_pairs;
    for (int i = 0; i < la; ++i)
        for (int j = 0; j < lb; ++j) {
            const double diag = lb > 1 ? static_cast<double>(j) * (la - 1) / (lb - 1) : 0.0;
            if ((all || std::fabs(i - diag) <= 2.0) && ia[i].ok && ib[j].ok) pairs.emplace_back(i, j);
        }
    if (pairs.empty()) {
        out.note = "block map not tried (no dense block with gate/up/down and v/o on both sides)";
        return out;
    }
    std::vector<Candidate> cand(pairs.size());
    for_layers(pairs.size(), [&](std::size_t k) {
        const auto [i, j] = pairs[k];
        cand[k].i = i, cand[k].j = j;
        cand[k].screen = screen_fit(ia[i], ib[j], eigen_signs(ia[i], ib[j]));
    });
    std::sort(cand.begin(), cand.end(), [](const Candidate& x, const Candidate& y) { return x.screen > y.screen; });
    // How far the best pair's screen stands above the other pairings of its two layers (A's
    // layer with B's other layers, B's layer with A's other layers): the same contrast the
    // held-out null draws later, at the screen's O(d^2) cost.
    double rival = -1e300;
    for (std::size_t k = 1; k < cand.size(); ++k)
        if ((cand[k].i == cand[0].i) != (cand[k].j == cand[0].j)) rival = std::max(rival, cand[k].screen);
    out.screen_margin = rival > -1e300 ? cand[0].screen - rival : std::numeric_limits<double>::quiet_NaN();
    // Wide models: refining a candidate costs minutes (a d x d polar decomposition and d^3
    // products per iteration, 12 iterations), so it is done only when the screen singles a pair
    // out. Lifted zoo blocks stand 0.109-0.118 above their layers' other pairings, unrelated zoo
    // pairs 0.001-0.032 (bench/RESULTS.md, issue 5); small models refine as before.
    if (d > kAllLayersUpTo && !(out.screen_margin >= kWideScreenMargin)) {
        out.note = "no block map: no layer pair stands out in the screen (margin " + fmt(out.screen_margin) +
                   " over its layers' other pairings, below " + fmt(kWideScreenMargin) +
                   "); hidden width " + std::to_string(d) + ": " + std::to_string(kWideLayers) +
                   " evenly spaced layers of each model examined";
        return out;
    }
    cand.resize(std::min<std::size_t>(cand.size(), kCandidates));
    out.candidates = static_cast<int>(cand.size());
    // Candidates one at a time (memory: full d x d invariants; the products use BLAS threads).
    auto each_candidate = [&](std::size_t k) {
        Candidate& c = cand[k];
        const LayerInvariants a = layer_invariants(ctx.a, c.i, d, Depth::full);
        const LayerInvariants b = layer_invariants(ctx.b, c.j, d, Depth::full);
        if (!a.ok || !b.ok) return;
        const Eigen::VectorXd s = eigen_signs(a, b);
        const MatrixD q0 = b.u * s.asDiagonal() * a.u.transpose();
        c.rot = refine(q0, a, b);
        c.perm = round_to_signed_permutation(c.rot);
        c.rot_fit = mapped_fit(c.rot, a.held, b.held);
        c.perm_fit = mapped_fit(c.perm, a.held, b.held);
    };
    for (std::size_t k = 0; k < cand.size(); ++k) each_candidate(k);

    // The candidate whose better held-out fit is largest; a permutation unless the rotation fits
    // clearly better (as for the embedding map).
    std::size_t best = 0;
    auto score = [](const Candidate& c) { return std::max(c.rot_fit, c.perm_fit); };
    for (std::size_t k = 1; k < cand.size(); ++k)
        if (score(cand[k]) > score(cand[best])) best = k;
    if (cand[best].rot.size() == 0) {
        out.note = "block map not tried (the screened blocks could not be read in full)";
        return out;
    }
    Candidate& c = cand[best];
    if (cubic_sign(ctx.a, ctx.b, c.i, c.j, c.rot) < 0) {
        c.rot = -c.rot;
        c.perm = -c.perm;
    }
    const bool perm = !(c.rot_fit > c.perm_fit + kRotationPreference);
    const MatrixD& q = perm ? c.perm : c.rot;
    const double fit = perm ? c.perm_fit : c.rot_fit;
    out.layer_a = c.i, out.layer_b = c.j;
    out.permutation_fit = c.perm_fit, out.rotation_fit = c.rot_fit;
    // Null: the same map on control block pairs that cannot match - A's layer against B's other
    // layers and B's layer against A's other layers (nearest first).
    std::vector<std::pair<int, int>> controls;
    for (int off = 1; off < std::max(la, lb) && static_cast<int>(controls.size()) < kMaxControls; ++off)
        for (int sgn : {-1, 1}) {
            const int jj = c.j + sgn * off, ii = c.i + sgn * off;
            if (jj >= 0 && jj < lb && ib[jj].ok && static_cast<int>(controls.size()) < kMaxControls)
                controls.emplace_back(c.i, jj);
            if (ii >= 0 && ii < la && ia[ii].ok && static_cast<int>(controls.size()) < kMaxControls)
                controls.emplace_back(ii, c.j);
        }
    std::vector<double> null(controls.size());
    const LayerInvariants held_a = layer_invariants(ctx.a, c.i, d, Depth::held_only);
    const LayerInvariants held_b = layer_invariants(ctx.b, c.j, d, Depth::held_only);
    for (std::size_t k = 0; k < controls.size(); ++k) {
        const auto [ci, cj] = controls[k];
        const LayerInvariants other = ci == c.i ? layer_invariants(ctx.b, cj, d, Depth::held_only)
                                                : layer_invariants(ctx.a, ci, d, Depth::held_only);
        null[k] = ci == c.i ? mapped_fit(q, held_a.held, other.held) : mapped_fit(q, other.held, held_b.held);
    }
    out.controls = static_cast<int>(null.size());
    if (!null.empty()) {
        out.null_max = *std::max_element(null.begin(), null.end());
        out.null_mean = std::accumulate(null.begin(), null.end(), 0.0) / static_cast<double>(null.size());
    }
    const double min_fit = ctx.rule.hidden_map_min_fit;
    out.recovered = !null.empty() && fit >= min_fit && fit - out.null_max > kDecisionMargin;
    const std::string where = "block weights of layer " + std::to_string(c.i) + " (A) and layer " +
                              std::to_string(c.j) + " (B)";
    if (out.recovered) {
        out.kind = !perm ? "rotation"
                   : q.isIdentity() ? "identity"  // B's blocks in A's own stored basis
                                    : "signed_permutation";
        out.map = q.transpose().cast<float>();  // x_B = Q x_A, so W_B = W_A Q'
        out.note = "map estimated from the " + where + ": held-out fit on v/o " + fmt(fit) +
                   " vs " + fmt(out.null_max) + " on " + std::to_string(null.size()) +
                   " control block pairs (the embeddings gave none)";
    } else {
        out.note = "no block map either: best " + where + " held-out fit " + fmt(fit) +
                   (null.empty() ? std::string(" (no control blocks)")
                                 : " vs " + fmt(out.null_max) + " on control blocks") +
                   ", minimum " + fmt(min_fit);
    }
    if (sampled)
        out.note += "; hidden width " + std::to_string(d) + ": " + std::to_string(kWideLayers) +
                    " evenly spaced layers of each model examined";
    ComponentStat s;
    s.family = "hidden_map";
    s.statistic = perm ? "block_signed_permutation_fit" : "block_rotation_fit";
    s.component = "v_proj+o_proj (held out; map fitted on the MLP)";
    s.layer_a = c.i, s.layer_b = c.j;
    s.value = fit;
    s.null_lo = null.empty() ? 0.0 : *std::min_element(null.begin(), null.end());
    s.null_hi = out.null_max;
    s.null_kind = "same map on " + std::to_string(null.size()) + " control block pairs (other layers)";
    s.beyond_null = false;  // a map is a means of alignment, not evidence on its own
    stats_out.push_back(s);
    return out;
}

}  // namespace lineage::probes::weights
