// Hidden-space map (see hidden_alignment.h). Tokens are subsampled to at most kMaxTokens (seeded)
// so the fits cost O(T d^2) whatever the vocabulary.
#include "probes/weights/hidden_alignment.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>

#include "probes/stats/procrustes.h"
#include "probes/stats/random.h"
#include "probes/tokenizer/token_mapping.h"
#include "reference_model/tokenizer/formats/load_vocabulary.h"

namespace lineage::probes::weights {
namespace {

constexpr std::int64_t kMaxTokens = 16384;

// Widths above this take the wide-model path: Procrustes in float32 and the analytic null below
// (see AnalyticNull). At or below it (the zoo's models, the tests' fixtures) every figure is what
// the draws give, exactly as before; there a draw costs milliseconds.
constexpr Eigen::Index kWideWidth = 512;

stats::SignedPermutation identity_permutation(Eigen::Index d) {
    stats::SignedPermutation sp;
    sp.a_to_b.resize(static_cast<std::size_t>(d));
    sp.sign.assign(static_cast<std::size_t>(d), 1);
    for (Eigen::Index i = 0; i < d; ++i) sp.a_to_b[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(i);
    return sp;
}

stats::MatrixD gather_rows(const MatrixF& e, const std::vector<std::int32_t>& ids) {
    stats::MatrixD out(static_cast<Eigen::Index>(ids.size()), e.cols());
    for (std::size_t i = 0; i < ids.size(); ++i)
        out.row(static_cast<Eigen::Index>(i)) = e.row(ids[i]).cast<double>();
    return out;
}

struct Fits {
    double perm = 0.0, rot = 0.0;
    stats::SignedPermutation sp;
    stats::MatrixD r;
};

// Float32 Procrustes only for wide models: there the fit is judged against a null whose sd is
// ~1/sqrt(n) (>= 0.008 at 16384 tokens), orders above float rounding of a correlation.
stats::MatrixD procrustes(const stats::MatrixD& x, const stats::MatrixD& y) {
    return std::max(x.cols(), y.cols()) > kWideWidth ? stats::orthogonal_procrustes_f32(x, y)
                                                     : stats::orthogonal_procrustes(x, y);
}

Fits fit_all(const stats::MatrixD& x, const stats::MatrixD& y) {
    Fits f;
    f.sp = stats::signed_permutation_fit(x, y);
    f.perm = stats::signed_permutation_fit_value(x, f.sp, y);
    f.r = procrustes(x, y);
    f.rot = stats::mapped_fit(x, f.r, y);
    return f;
}

stats::MatrixD select_rows(const stats::MatrixD& m, const std::vector<char>& fold, char which) {
    Eigen::Index n = 0;
    for (char f : fold) n += f == which;
    stats::MatrixD out(n, m.cols());
    for (Eigen::Index i = 0, k = 0; i < m.rows(); ++i)
        if (fold[static_cast<std::size_t>(i)] == which) out.row(k++) = m.row(i);
    return out;
}

// Held-out fits: each map is fitted on one half of the token pairs and scored on the other half
// (both ways, averaged). In-sample fits flatter small hidden sizes: a 64-dim rotation fitted to
// ~150 tokens of an independent model (zoo C vs A) scores 0.63 in sample, enough to pass for a
// recovered map; held out, a true map keeps its fit and a spurious one loses it.
Fits heldout_fits(const stats::MatrixD& x, const stats::MatrixD& y, const std::vector<char>& fold) {
    Fits f;
    for (char train : {char(0), char(1)}) {
        const char test = static_cast<char>(1 - train);
        const stats::MatrixD xt = select_rows(x, fold, train), yt = select_rows(y, fold, train);
        const stats::MatrixD xh = select_rows(x, fold, test), yh = select_rows(y, fold, test);
        const auto sp = stats::signed_permutation_fit(xt, yt);
        f.perm += 0.5 * stats::signed_permutation_fit_value(xh, sp, yh);
        f.rot += 0.5 * stats::mapped_fit(xh, procrustes(xt, yt), yh);
    }
    return f;
}

// Sequential stop for a fit far beyond its null (a derived pair: held-out fits near 1, randomly
// paired tokens near 0). The map is chosen from the margins over the largest draw (map_choice);
// once at least kMinNullDraws draws are in and the same map is chosen with each null's maximum
// raised to its running mean + kSettledSd standard deviations, the remaining draws could change
// the choice only by landing that far above the mean (for ~normal fits, below 1e-12 over 20
// draws). At hidden 2048 a draw costs ~20 s CPU, so a derived pair's map costs 4 draws instead
// of 20; pairs with no map never stop early.
constexpr int kMinNullDraws = 4;
constexpr double kSettledSd = 8.0;
constexpr double kDecisionMargin = 0.05;

// The largest null draw, and the most the remaining draws could plausibly raise it to.
struct NullBound {
    double max = -1e300, bound = -1e300;
};

NullBound null_bound(const std::vector<double>& null) {
    NullBound b;
    double mean = 0, sq = 0;
    for (double v : null) mean += v, b.max = std::max(b.max, v);
    mean /= static_cast<double>(null.size());
    for (double v : null) sq += (v - mean) * (v - mean);
    const double sd = std::sqrt(sq / static_cast<double>(null.size() - 1));
    b.bound = std::max(b.max, mean + kSettledSd * sd);
    return b;
}

// 0: no map, 1: signed permutation, 2: rotation - the choice align_hidden makes from the margins.
int map_choice(double perm_margin, double rot_margin) {
    if (perm_margin > kDecisionMargin && !(rot_margin > perm_margin + 0.1)) return 1;
    return rot_margin > kDecisionMargin ? 2 : 0;
}

bool null_settled(const Fits& held, double min_fit, const std::vector<double>& null_perm,
                  const std::vector<double>& null_rot) {
    if (static_cast<int>(null_perm.size()) < kMinNullDraws) return false;
    const NullBound p = null_bound(null_perm), r = null_bound(null_rot);
    auto margin = [&](double fit, double null_max) { return fit >= min_fit ? fit - null_max : -1.0; };
    const int now = map_choice(margin(held.perm, p.max), margin(held.rot, r.max));
    // Settled when a map is chosen now and the same map is chosen with both nulls at their bounds.
    return now != 0 && now == map_choice(margin(held.perm, p.bound), margin(held.rot, r.bound));
}

// Analytic null for the held-out fits of wide models (width > kWideWidth). Under the null (B's
// rows paired to random tokens), conditional on the map fitted on the training fold, the test
// fold's pairing is a uniformly random permutation of its rows, and the correlation of two fixed
// centred columns over such a permutation has mean exactly 0 and variance exactly 1/(n - 1) (n
// test rows). The mean over columns then has mean 0 and variance <= 1/(n - 1) (Cauchy-Schwarz on
// the covariances), and so does the two folds' average with n the smaller fold. That exact bound
// replaces draws that cost two float SVDs and several n x d x d products each at hidden 4096.
double analytic_null_sd(const std::vector<char>& fold) {
    std::int64_t n1 = 0;
    for (char f : fold) n1 += f;
    const std::int64_t n = std::min<std::int64_t>(n1, static_cast<std::int64_t>(fold.size()) - n1);
    return n > 1 ? 1.0 / std::sqrt(static_cast<double>(n - 1)) : 1.0;
}

// The map align_hidden would choose with each null's maximum anywhere in [-8 sd, +8 sd]; 0 when
// that range leaves the choice open (then the draws decide, as before). Beyond 8 sd a draw lands
// with probability < 1e-15 for a ~normal fit - the argument null_settled makes with a running
// sd, here with the exact variance bound, so no draw is needed. The two tests are map_choice's
// conditions at their worst corner of the range.
int analytic_choice(const Fits& held, double min_fit, double sd) {
    const double hi = kSettledSd * sd, lo = -hi;
    const bool perm_ok = held.perm >= min_fit, rot_ok = held.rot >= min_fit;
    // Permutation whatever the nulls: its smallest margin clears the decision margin and the
    // rotation's largest margin does not beat it by 0.1 (or the rotation is below the minimum).
    if (perm_ok && held.perm - hi > kDecisionMargin &&
        (!rot_ok || held.rot - lo <= held.perm - hi + 0.1))
        return 1;
    // Rotation whatever the nulls: its smallest margin clears the decision margin and beats the
    // permutation's largest by more than 0.1 (or the permutation is below the minimum).
    if (rot_ok && held.rot - hi > kDecisionMargin &&
        (!perm_ok || held.rot - hi > held.perm - lo + 0.1))
        return 2;
    return 0;
}

// The common derived case first: B in A's own basis (a fine-tune, continued pretraining). The
// identity is not fitted, so its fit needs no held-out split, and its null - the same fit with
// B's rows paired to random tokens - costs O(n d) a draw instead of an assignment and an SVD.
// When the identity fits at least kIdentityShortcutFit and beyond its null as null_settled
// requires (the rule's minimum, the 0.05 margin over the largest draw and over mean + 8 sd),
// the fitted maps cannot change the outcome: no fit exceeds 1, so none could beat the identity by
// the 0.1 that choosing a rotation over a permutation takes, and the signed permutation's own fit
// would recover the identity. Its rng is its own, so every other pair draws what it drew before.
constexpr double kIdentityShortcutFit = 0.9;

bool identity_settled(const stats::MatrixD& x, const stats::MatrixD& y, double min_fit, int draws,
                      std::uint64_t seed, double& fit, std::vector<double>& null) {
    if (x.cols() != y.cols()) return false;
    const stats::SignedPermutation eye = identity_permutation(x.cols());
    fit = stats::signed_permutation_fit_value(x, eye, y);
    if (fit < std::max(min_fit, kIdentityShortcutFit)) return false;
    stats::Rng rng(seed ^ 0x1d3a7f00c0ffeeULL);
    std::vector<Eigen::Index> order(static_cast<std::size_t>(y.rows()));
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<Eigen::Index>(i);
    for (int k = 0; k < std::max(draws, kMinNullDraws); ++k) {
        stats::shuffle(std::span(order), rng);
        null.push_back(stats::signed_permutation_fit_value(x, eye, y(order, Eigen::placeholders::all)));
    }
    const NullBound b = null_bound(null);
    return fit - b.bound > kDecisionMargin;
}

}  // namespace

SharedTokens shared_tokens(const ModelView& a, const ModelView& b, std::int64_t vocab_a,
                           std::int64_t vocab_b) {
    SharedTokens out;
    const auto ta = a.tokenizer_path(), tb = b.tokenizer_path();
    if (ta && tb) {
        const auto va = model::load_vocabulary(*ta), vb = model::load_vocabulary(*tb);
        const TokenMapping m = map_shared_tokens(va, vb);
        for (std::size_t i = 0; i < m.pairs.size(); ++i)
            if (m.pairs[i].first < vocab_a && m.pairs[i].second < vocab_b && !m.single_byte[i])
                out.pairs.push_back(m.pairs[i]);
        out.source = "tokenizer byte strings (" + std::to_string(out.pairs.size()) +
                     " shared multi-byte tokens)";
        return out;
    }
    const std::int64_t n = std::min(vocab_a, vocab_b);
    for (std::int64_t i = 0; i < n; ++i)
        out.pairs.emplace_back(static_cast<std::int32_t>(i), static_cast<std::int32_t>(i));
    out.source = "identical ids over min(vocab) (fallback: no tokenizer.json on " +
                 std::string(!ta ? "A" : "B") + "; pairs are only right if the vocabularies agree)";
    return out;
}

HiddenMap align_hidden(PairContext& ctx, const SharedTokens& tokens, std::uint64_t seed,
                       std::vector<ComponentStat>& stats_out, MatrixF* best_fit) {
    HiddenMap h;
    h.token_source = tokens.source;
    const TensorRef* ea = ctx.a.find(Role::token_embedding);
    const TensorRef* eb = ctx.b.find(Role::token_embedding);
    if (!ea || !eb || tokens.pairs.size() < 16) {
        h.note = "no shared-token embedding rows to align the hidden spaces";
        return h;
    }
    const MatrixF emb_a = ctx.a.read(*ea), emb_b = ctx.b.read(*eb);
    stats::Rng rng(seed);
    std::vector<std::pair<std::int32_t, std::int32_t>> pairs = tokens.pairs;
    if (static_cast<std::int64_t>(pairs.size()) > kMaxTokens) {
        stats::shuffle(std::span(pairs), rng);
        pairs.resize(kMaxTokens);
    }
    std::vector<std::int32_t> ids_a, ids_b;
    for (auto [x, y] : pairs)
        if (x < emb_a.rows() && y < emb_b.rows()) ids_a.push_back(x), ids_b.push_back(y);
    h.shared_tokens = static_cast<std::int64_t>(tokens.pairs.size());
    const stats::MatrixD x = gather_rows(emb_a, ids_a), y = gather_rows(emb_b, ids_b);
    const bool square = x.cols() == y.cols();
    const double min_fit = ctx.rule.hidden_map_min_fit;
    if (double fit = 0; square) {
        std::vector<double> null;
        if (identity_settled(x, y, min_fit, ctx.rule.hidden_map_null_draws, seed, fit, null)) {
            ctx.hidden_map = MatrixF::Identity(x.cols(), x.cols());
            ctx.has_map = true;
            h.kind = "identity";
            h.recovered = true;
            h.identity_fit = h.permutation_fit = h.rotation_fit = fit;
            h.null_max = *std::max_element(null.begin(), null.end());
            double mean = 0;
            for (double v : null) mean += v;
            h.null_mean = mean / static_cast<double>(null.size());
            ComponentStat s;
            s.family = "hidden_map";
            s.statistic = "identity_fit";
            s.component = "token_embedding";
            s.value = fit;
            s.null_lo = *std::min_element(null.begin(), null.end());
            s.null_hi = h.null_max;
            s.null_kind = "identity fit to randomly paired tokens (" + std::to_string(null.size()) +
                          " draws; the identity is not fitted, so no held-out split)";
            s.neg_log10_p = -std::log10(1.0 / (1.0 + static_cast<double>(null.size())));
            s.beyond_null = false;  // a map is a means of alignment, not evidence on its own
            stats_out.push_back(s);
            return h;
        }
    }
    // The map itself is fitted on every shared token; whether it is real is judged held out
    // (two folds, seeded), for the observed pairs and for the null alike. Different widths use
    // the same fits made rectangular (a partial signed permutation for dims pruned or appended,
    // a semi-orthogonal Procrustes map for a widened or narrowed rotated basis).
    // The in-sample fits (two n x d x d products and an SVD) are needed only for the map handed
    // on - a chosen map, or the best-fit basis when widths differ - so they are made lazily; they
    // draw nothing from rng, so every other figure is unchanged.
    std::optional<Fits> obs_store;
    auto obs = [&]() -> const Fits& {
        if (!obs_store) obs_store = fit_all(x, y);
        return *obs_store;
    };
    std::vector<char> fold(static_cast<std::size_t>(x.rows()));
    for (std::size_t i = 0; i < fold.size(); ++i) fold[i] = static_cast<char>(i % 2);
    stats::shuffle(std::span(fold), rng);
    const bool heldout = x.rows() >= 4 * std::max(x.cols(), y.cols()) || x.rows() >= 64;
    auto judge = [&](const stats::MatrixD& yy) {
        return heldout ? heldout_fits(x, yy, fold) : fit_all(x, yy);
    };
    const Fits held = heldout ? judge(y) : obs();
    h.permutation_fit = held.perm;
    h.rotation_fit = held.rot;
    if (square) h.identity_fit = stats::signed_permutation_fit_value(x, identity_permutation(x.cols()), y);

    // Null: the same fits with B's rows paired to random tokens. It decides only when a held-out
    // fit reaches the rule's minimum (the margins below); otherwise no map is used whatever the
    // null says, so two draws are enough for the reported range. Each draw costs two SVDs and
    // several n x d x d products (minutes at hidden 2048-4096), so unrelated pairs, the common
    // case in registry screens and multi-base audits, skip 90% of it without changing a verdict.
    const bool null_decides = held.perm >= min_fit || held.rot >= min_fit;
    // Wide models (held out, width > kWideWidth) use the analytic null where it settles the
    // choice: always when no fit reaches the minimum (no map whatever the null), and when a fit
    // does, whenever analytic_choice decides. Otherwise they draw as before.
    const bool wide = heldout && std::max(x.cols(), y.cols()) > kWideWidth;
    const double null_sd = wide ? analytic_null_sd(fold) : 0.0;
    const bool analytic = wide && (!null_decides || analytic_choice(held, min_fit, null_sd) != 0);
    const int draws = analytic       ? 0
                      : null_decides ? ctx.rule.hidden_map_null_draws
                                     : std::min(ctx.rule.hidden_map_null_draws, 2);
    std::vector<double> null_perm, null_rot;
    if (analytic) {
        // The range's ends stand in for the draws: with each null maximum at +8 sd, map_choice
        // below makes analytic_choice's choice (or none, when no fit reaches the minimum).
        null_perm = null_rot = {-kSettledSd * null_sd, kSettledSd * null_sd};
    }
    for (int k = 0; k < draws; ++k) {
        std::vector<std::int32_t> shuffled = ids_b;
        stats::shuffle(std::span(shuffled), rng);
        const Fits f = judge(gather_rows(emb_b, shuffled));
        null_perm.push_back(f.perm);
        null_rot.push_back(f.rot);
        if (null_decides && null_settled(held, min_fit, null_perm, null_rot)) break;
    }
    const double perm_null_max = *std::max_element(null_perm.begin(), null_perm.end());
    const double rot_null_max = *std::max_element(null_rot.begin(), null_rot.end());
    double mean = 0;
    for (double v : null_perm) mean += v;
    h.null_mean = analytic ? 0.0 : mean / static_cast<double>(null_perm.size());
    // Margins over the null, counted only where the fit also reaches the rule's absolute minimum.
    const double perm_margin = held.perm >= min_fit ? held.perm - perm_null_max : -1.0;
    const double rot_margin = held.rot >= min_fit ? held.rot - rot_null_max : -1.0;
    const char* rotation_kind = square ? "rotation" : "semi_orthogonal";
    // A permutation is a special rotation: prefer it unless the rotation fits clearly better.
    const int choice = map_choice(perm_margin, rot_margin);
    if (choice == 1) {
        const stats::SignedPermutation& sp = obs().sp;
        ctx.hidden_map = stats::signed_permutation_matrix(sp, y.cols()).cast<float>();
        bool identity = square;
        for (std::size_t i = 0; i < sp.a_to_b.size() && identity; ++i)
            identity = sp.a_to_b[i] == static_cast<std::int32_t>(i) && sp.sign[i] > 0;
        h.kind = identity ? "identity" : "signed_permutation";
        h.null_max = perm_null_max;
        h.recovered = true;
    } else if (choice == 2) {
        ctx.hidden_map = obs().r.cast<float>();
        h.kind = rotation_kind;
        h.null_max = rot_null_max;
        h.recovered = true;
    } else {
        h.kind = "none";
        h.null_max = std::max(perm_null_max, rot_null_max);
        h.note = "no map fits beyond randomly paired tokens and the minimum fit " +
                 std::to_string(min_fit) + ": statistics use the stored bases";
        if (best_fit && !square) {
            // Widths differ, so there are no stored bases to share: hand back the better of the
            // two held-out fits as a basis choice (see hidden_alignment.h).
            const bool rot = held.rot >= held.perm;
            *best_fit = rot ? obs().r.cast<float>()
                            : stats::signed_permutation_matrix(obs().sp, y.cols()).cast<float>();
            h.note = "no map fits beyond randomly paired tokens and the minimum fit " +
                     std::to_string(min_fit) + "; the widths differ, so the MLP and attention "
                     "statistics run through the best-fit " +
                     std::string(rot ? rotation_kind : "signed_permutation") +
                     " map (held-out fit " + std::to_string(rot ? held.rot : held.perm) +
                     ") as a basis choice, not as evidence";
        }
    }
    ctx.has_map = h.recovered;
    ComponentStat s;
    s.family = "hidden_map";
    const bool procrustes = h.kind == "rotation" || h.kind == "semi_orthogonal";
    s.statistic = procrustes ? "procrustes_fit" : "signed_permutation_fit";
    s.component = "token_embedding";
    s.value = procrustes ? held.rot : held.perm;
    s.null_lo = *std::min_element(null_perm.begin(), null_perm.end());
    s.null_hi = h.null_max;
    if (analytic) {
        const std::string sd = std::to_string(null_sd);
        s.null_kind = "held-out (2-fold) fit to randomly paired tokens, analytic: mean 0, sd <= " +
                      sd + " (1/sqrt(n-1)) under random pairing; range shown is +/- 8 sd" +
                      (null_decides ? "; the fit clears it whatever the draws, so none were made"
                                    : "; the fit is below the minimum, so the null does not decide");
        // One-sided Cantelli bound for one null draw reaching the fit: P <= 1 / (1 + (fit/sd)^2).
        const double z = s.value / null_sd;
        s.neg_log10_p = h.recovered && s.value > 0 ? std::log10(1.0 + z * z) : 0.0;
        s.beyond_null = false;
        stats_out.push_back(s);
        return h;
    }
    s.null_kind = std::string(heldout ? "held-out (2-fold) " : "in-sample ") +
                  "fit to randomly paired tokens (" + std::to_string(null_perm.size()) + " draws" +
                  (null_decides && static_cast<int>(null_perm.size()) < draws
                       ? ", stopped once settled" : "") +
                  (null_decides ? ")" : "; the fit is below the minimum, so the null does not decide)");
    const double p = 1.0 / (1.0 + static_cast<double>(null_perm.size()));
    s.neg_log10_p = h.recovered ? -std::log10(p) : 0.0;
    s.beyond_null = false;  // a map is a means of alignment, not evidence on its own
    stats_out.push_back(s);
    return h;
}

}  // namespace lineage::probes::weights
