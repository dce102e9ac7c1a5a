// The quick first stage of screening (see quick_screen.h).
#include "probes/fingerprint/quick_screen.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <map>
#include <numeric>
#include <tuple>

#include <Eigen/QR>

#include "probes/fingerprint/anchor_map.h"
#include "probes/fingerprint/anchor_rows.h"
#include "probes/stats/random.h"
#include "weights/tensor_roles.h"

namespace lineage::probes::fingerprint {

namespace pw = probes::weights;
using lineage::weights::Role;

namespace {

constexpr std::int64_t kMinSharedAnchors = 16;  // the full stage's own minimum

// The null's summary and the observed value's standing against it.
void judge(QuickStat& s, const std::vector<double>& null, double beyond_sd) {
    double mean = 0, sq = 0, mx = -1e300;
    for (double v : null) mean += v, mx = std::max(mx, v);
    mean /= static_cast<double>(null.size());
    for (double v : null) sq += (v - mean) * (v - mean);
    const double sd = std::sqrt(sq / std::max<double>(1, static_cast<double>(null.size()) - 1));
    s.draws = static_cast<int>(null.size());
    s.null_mean = mean, s.null_max = mx;
    s.threshold = std::max(mx, mean + beyond_sd * sd);
    std::size_t ge = 0;
    for (double v : null) ge += v >= s.value;
    s.p_value = static_cast<double>(1 + ge) / static_cast<double>(1 + null.size());
    s.beyond = s.value > s.threshold;
}

// The same threshold for a control: its own null, the same rule.
double threshold_of(const std::vector<double>& null, double beyond_sd) {
    QuickStat s;
    judge(s, null, beyond_sd);
    return s.threshold;
}

// Centred Gram matrix of the rows of x (n x d), (x - mean row)(x - mean row)^T, with its diagonal
// set to zero (the rows' own norms follow token frequency in any trained model, and a random
// re-pairing keeps diagonal on diagonal) and unit Frobenius norm: the relations between tokens.
MatrixD centred_gram(MatrixD x) {
    x.rowwise() -= x.colwise().mean();
    MatrixD k = x * x.transpose();
    k.diagonal().setZero();
    const double n = k.norm();
    if (n > 0) k /= n;
    return k;
}

// <kx, ky permuted by perm on both sides> for unit-norm centred Grams (linear CKA).
double permuted_cka(const MatrixD& kx, const MatrixD& ky, const std::vector<std::int32_t>& perm) {
    double s = 0;
    const Eigen::Index n = kx.rows();
    for (Eigen::Index i = 0; i < n; ++i) {
        const double* row = ky.data() + static_cast<Eigen::Index>(perm[i]) * n;
        const double* xr = kx.data() + i * n;
        for (Eigen::Index j = 0; j < n; ++j) s += xr[j] * row[perm[j]];
    }
    return s;
}

std::vector<double> cka_null(const MatrixD& kx, const MatrixD& ky, int draws, stats::Rng& rng) {
    std::vector<std::int32_t> perm(static_cast<std::size_t>(kx.rows()));
    std::iota(perm.begin(), perm.end(), 0);
    std::vector<double> out;
    for (int d = 0; d < draws; ++d) {
        stats::shuffle(std::span(perm), rng);
        out.push_back(permuted_cka(kx, ky, perm));
    }
    return out;
}

MatrixD gaussian(std::int64_t rows, std::int64_t cols, stats::Rng& rng) {
    MatrixD g(rows, cols);
    for (Eigen::Index i = 0; i < g.size(); ++i) g.data()[i] = stats::standard_normal(rng);
    return g;
}

MatrixD random_rotation(std::int64_t n, stats::Rng& rng) {
    const Eigen::HouseholderQR<Eigen::MatrixXd> qr(gaussian(n, n, rng));
    Eigen::MatrixXd q = qr.householderQ();
    for (Eigen::Index j = 0; j < n; ++j)
        if (qr.matrixQR()(j, j) < 0) q.col(j) = -q.col(j);
    return q;
}

double stddev(const MatrixD& m) {
    const double mean = m.mean();
    return std::sqrt(std::max(0.0, m.array().square().mean() - mean * mean));
}

// S minus its isotropic part, unit Frobenius norm (zero when S is isotropic).
MatrixD centred_moment(MatrixD s) {
    const double iso = s.trace() / static_cast<double>(s.rows());
    s.diagonal().array() -= iso;
    const double n = s.norm();
    if (n > 0) s /= n;
    return s;
}

struct Moment {
    Role role;
    int layer;
    MatrixD s;  // centred, unit norm
};

// Max over same-role pairs of <a, b> (b optionally rotated by q: q b q^T).
double max_pair(const std::vector<Moment>& base, const std::vector<Moment>& cand, const MatrixD* q,
                std::string* which = nullptr) {
    double best = -1e300;
    for (const auto& c : cand) {
        const MatrixD rc = q ? MatrixD((*q) * c.s * q->transpose()) : c.s;
        for (const auto& b : base) {
            if (b.role != c.role) continue;
            const double v = (b.s.array() * rc.array()).sum();
            if (v > best) {
                best = v;
                if (which)
                    *which = std::string(lineage::weights::role_name(c.role)) + " layer " +
                             std::to_string(c.layer) + " ~ base layer " + std::to_string(b.layer);
            }
        }
    }
    return best;
}

std::vector<double> moment_null(const std::vector<Moment>& base, const std::vector<Moment>& cand,
                                std::int64_t dims, int draws, stats::Rng& rng) {
    std::vector<double> out;
    for (int d = 0; d < draws; ++d) {
        const MatrixD q = random_rotation(dims, rng);
        out.push_back(max_pair(base, cand, &q));
    }
    return out;
}

// The full probe's exact-reuse pairs (direct_statistics.cpp), cheaply: digests of every
// candidate tensor of enough elements against every fingerprint tensor (the digest only computed
// when size and moments agree), row MinHash against the fingerprint tensor of the same role, layer
// and expert and width.
void check_reuse(CandidateSummary& c, const Fingerprint& fp, const QuickScreenOptions& o,
                 std::vector<std::string>& hits) {
    const auto& ct = c.tensors();
    const auto& refs = c.view().tensors();
    std::multimap<std::int64_t, std::size_t> by_size;
    std::map<std::tuple<Role, int, int>, std::size_t> by_role;
    for (std::size_t j = 0; j < ct.size(); ++j) {
        if (ct[j].constant || ct[j].rows * ct[j].cols < o.exact_reuse_min_elements) continue;
        by_size.emplace(ct[j].rows * ct[j].cols, j);
        const auto& r = refs[j].role;
        if (ct[j].rows >= 2 && r.tower.empty() && !r.is_bias)
            by_role.emplace(std::make_tuple(r.role, r.layer, r.expert), j);
    }
    auto close = [](double a, double b) { return std::abs(a - b) <= 1e-9 * (std::abs(a) + std::abs(b)) + 1e-300; };
    for (const auto& s : fp.tensors) {
        const TensorFacts& f = s.full;
        if (!f.constant && f.rows * f.cols >= o.exact_reuse_min_elements) {
            const auto [lo, hi] = by_size.equal_range(f.rows * f.cols);
            for (auto it = lo; it != hi; ++it) {
                const auto& t = ct[it->second];
                if (close(t.mean, f.mean) && close(t.stddev, f.stddev) && c.sha256(it->second) == f.sha256)
                    hits.push_back(s.name + " = " + refs[it->second].name);
            }
        }
        const auto role = lineage::weights::classify_tensor(s.name);
        if (!stats::row_sketch_applies(f.rows, f.cols) || !role.tower.empty() || role.is_bias) continue;
        const auto it = by_role.find(std::make_tuple(role.role, role.layer, role.expert));
        if (it != by_role.end() && ct[it->second].cols == f.cols &&
            stats::minhash_jaccard(f.row_minhash, ct[it->second].row_minhash) >= o.minhash_min_jaccard)
            hits.push_back(s.name + " ~ " + refs[it->second].name);
    }
}

void anchor_test(CandidateSummary& c, const Fingerprint& fp, const QuickScreenOptions& o,
                 QuickResult& out, stats::Rng& rng) {
    QuickStat& s = out.anchor_cka;
    s.name = "anchor_gram_cka";
    out.anchors = static_cast<std::int64_t>(fp.anchor_ids.size());
    const SketchTensor* base = nullptr;
    for (const auto& t : fp.tensors)
        if (t.kind == SketchKind::anchor_rows) base = &t;
    const pw::TensorRef* emb = c.view().find(Role::token_embedding);
    if (!base || base->shape.size() != 2 || !emb || emb->shape.size() != 2) {
        s.detail = "no anchor rows on one side";
        return;
    }
    const auto cand_ids = find_anchors(c.vocabulary(), emb->rows(), fp.anchor_ids, fp.anchor_bytes);
    std::vector<std::int32_t> shared;
    for (std::size_t i = 0; i < cand_ids.size(); ++i)
        if (cand_ids[i] >= 0) shared.push_back(static_cast<std::int32_t>(i));
    out.shared_anchors = static_cast<std::int64_t>(shared.size());
    if (out.shared_anchors < kMinSharedAnchors) {
        s.detail = "only " + std::to_string(shared.size()) + " anchor tokens shared";
        return;
    }
    stats::shuffle(std::span(shared), rng);
    shared.resize(static_cast<std::size_t>(std::min<std::int64_t>(o.gram_tokens, out.shared_anchors)));
    std::sort(shared.begin(), shared.end());
    const std::int64_t d = base->shape[1];
    MatrixD x(static_cast<Eigen::Index>(shared.size()), d);
    std::vector<std::int32_t> rows;
    for (std::size_t i = 0; i < shared.size(); ++i) {
        for (std::int64_t j = 0; j < d; ++j) x(static_cast<Eigen::Index>(i), j) = base->values[shared[i] * d + j];
        rows.push_back(cand_ids[shared[i]]);
    }
    const MatrixD y = c.embedding_rows(rows).cast<double>();
    const MatrixD kx = centred_gram(x), ky = centred_gram(y);
    s.ran = true;
    s.value = (kx.array() * ky.array()).sum();
    judge(s, cka_null(kx, ky, o.anchor_draws, rng), o.beyond_sd);
    s.detail = std::to_string(shared.size()) + " of " + std::to_string(out.shared_anchors) +
               " shared anchor tokens";
    // Control: the entry's own rows plus noise (a rotation of the hidden basis leaves CKA as is).
    const MatrixD xc = x + o.control_noise * stddev(x) * gaussian(x.rows(), x.cols(), rng);
    const MatrixD kc = centred_gram(xc);
    s.control_value = (kx.array() * kc.array()).sum();
    s.control_threshold = threshold_of(cka_null(kx, kc, o.anchor_draws, rng), o.beyond_sd);
    s.control_detected = s.control_value > s.control_threshold;
}

void neuron_test(CandidateSummary& c, const Fingerprint& fp, const QuickScreenOptions& o,
                 QuickResult& out, stats::Rng& rng) {
    QuickStat& s = out.neuron_moments;
    s.name = "neuron_moment_correlation";
    const pw::TensorRef* emb = c.view().find(Role::token_embedding);
    if (!emb || emb->cols() != fp.hidden_size) {
        s.detail = "hidden widths differ (stored bases not comparable without a map)";
        return;
    }
    const std::int64_t dims = std::min(o.body_dims, fp.sketch_dims);
    std::vector<Moment> base, control;
    int base_layers = 0;
    std::vector<const SketchTensor*> readers;
    for (const auto& t : fp.tensors) {
        if (t.kind != SketchKind::reads_hidden || t.shape.size() != 2) continue;
        const auto role = lineage::weights::classify_tensor(t.name);
        if (!role.tower.empty() || role.is_bias || role.layer < 0 ||
            (role.role != Role::q_proj && role.role != Role::mlp_gate))
            continue;
        readers.push_back(&t);
        base_layers = std::max(base_layers, role.layer + 1);
        base.push_back({role.role, role.layer,
                        centred_moment(second_moment(t.values.data(), t.shape[0], t.shape[1], dims))});
    }
    std::vector<Moment> cand;
    for (const auto& m : c.neuron_moments(fp.hidden_size, fp.sketch_dims, fp.projection_seed, dims))
        cand.push_back({m.role, m.layer, centred_moment(m.s)});
    if (base.empty() || cand.empty() || max_pair(base, cand, nullptr) < -1e299) {
        s.detail = "no q_proj or mlp_gate sketches to compare";
        return;
    }
    s.ran = true;
    s.value = max_pair(base, cand, nullptr, &s.detail);
    judge(s, moment_null(base, cand, dims, o.neuron_draws, rng), o.beyond_sd);
    // Control: the entry's own sketches of the same spread of layers, plus noise.
    const auto tested = spread_layers(base_layers);
    for (const SketchTensor* t : readers) {
        const auto role = lineage::weights::classify_tensor(t->name);
        if (std::find(tested.begin(), tested.end(), role.layer) == tested.end()) continue;
        const Eigen::Map<const MatrixF> p(t->values.data(), t->shape[0], t->shape[1]);
        const MatrixD left = p.leftCols(dims).cast<double>();
        const MatrixD noisy = left + o.control_noise * stddev(left) * gaussian(left.rows(), left.cols(), rng);
        control.push_back({role.role, role.layer, centred_moment(noisy.transpose() * noisy)});
    }
    s.control_value = max_pair(base, control, nullptr);
    s.control_threshold = threshold_of(moment_null(base, control, dims, o.neuron_draws, rng), o.beyond_sd);
    s.control_detected = s.control_value > s.control_threshold;
}

std::string describe(const QuickStat& s) {
    if (!s.ran) return s.name + " not run (" + s.detail + ")";
    char buf[256];
    std::snprintf(buf, sizeof buf, "%s %.3f (null max %.3f, threshold %.3f; control %.3f %s)",
                  s.name.c_str(), s.value, s.null_max, s.threshold, s.control_value,
                  s.control_detected ? "detected" : "missed");
    return buf;
}

}  // namespace

QuickScreenOptions quick_options(const pw::VerdictRule& rule) {
    QuickScreenOptions o;
    o.control_noise = rule.control_noise_relative_std;
    o.exact_reuse_min_elements = rule.exact_reuse_min_elements;
    o.minhash_min_jaccard = rule.minhash_min_jaccard;
    return o;
}

QuickResult quick_screen(CandidateSummary& c, const Fingerprint& fp, const QuickScreenOptions& o,
                         const pw::VerdictRule& rule, std::uint64_t map_seed, const std::string& label) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::clock_t c0 = std::clock();
    QuickResult out;
    stats::Rng rng(o.seed ^ fp.projection_seed);
    check_reuse(c, fp, o, out.exact_reuse);
    anchor_test(c, fp, o, out, rng);
    const QuickStat& a = out.anchor_cka;
    const QuickStat& n = out.neuron_moments;
    bool map_settled = a.ran && !a.beyond && a.control_detected;
    std::string map_note = describe(a);
    if (out.exact_reuse.empty() && a.ran && !map_settled) {
        // Beyond the shuffle null: does the full stage's own fit recover a map?
        auto m = std::make_shared<AnchorMap>(fit_anchor_map(c, fp, rule, map_seed, label));
        map_settled = !m->has_map;
        map_note += std::string("; hidden-map fit: ") + (m->has_map ? m->premap.kind : "no map recovered");
        out.map = std::move(m);
    }
    if (out.exact_reuse.empty() && map_settled) neuron_test(c, fp, o, out, rng);
    const bool widths_agree = n.detail.rfind("hidden widths differ", 0) != 0;
    if (!out.exact_reuse.empty()) {
        out.reason = "exact reuse: " + out.exact_reuse.front();
    } else if (!map_settled) {
        out.reason = map_note;
    } else if (widths_agree && (!n.ran || n.beyond || !n.control_detected)) {
        out.reason = describe(n);
    } else {
        out.cleared = true;
        out.reason = "cleared: " + map_note + "; " + describe(n);
    }
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    out.cpu_seconds = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
    return out;
}

pw::CompareResult cleared_result(const QuickResult& q, const CandidateSummary& c,
                                 const Fingerprint& fp, const std::string& label) {
    pw::CompareResult r;
    r.model_a = fp.name;
    r.model_b = label;
    r.verdict = pw::Verdict::independent;
    r.language_model_verdict = pw::Verdict::independent;
    r.seconds = q.seconds;
    r.reasons.push_back("quick screen: " + q.reason);
    r.summary = "cleared by the quick screen (no reuse; anchor geometry and neuron moments inside "
                "their nulls; positive controls detected)";
    double worst = 1.0;
    auto stat_for = [&](const pw::TensorRef& t) {
        const bool table = t.role.role == Role::token_embedding || t.role.role == Role::lm_head;
        const QuickStat& s = table ? q.anchor_cka : q.neuron_moments;
        pw::ComponentStat cs;
        cs.family = "quick_screen";
        cs.statistic = s.name;
        cs.component = std::string(lineage::weights::role_name(t.role.role));
        cs.layer_a = cs.layer_b = t.role.layer;
        cs.expert_a = cs.expert_b = t.role.expert;
        cs.value = s.value;
        cs.neg_log10_p = -std::log10(s.p_value);
        cs.null_lo = s.null_mean, cs.null_hi = s.threshold;
        cs.null_kind = s.name == "anchor_gram_cka" ? "CKA with randomly re-paired anchor tokens"
                                                   : "maximum after random rotations of the sketch space";
        worst = std::min(worst, s.p_value);
        return cs;
    };
    // Without the neuron test (different widths, no map) the body is not compared, as in the
    // full stage: only the embedding tables get a statistic.
    for (const auto& t : c.view().tensors()) {
        const bool table = t.role.role == Role::token_embedding || t.role.role == Role::lm_head;
        if (t.role.tower.empty() && !t.role.is_bias && t.role.role != Role::other &&
            (table || q.neuron_moments.ran))
            r.stats.push_back(stat_for(t));
    }
    if (!q.neuron_moments.ran) {
        r.verdict = r.language_model_verdict = pw::Verdict::inconclusive;
        r.summary = "anchor geometry inside its null; the body could not be compared (hidden widths "
                    "differ and no map was recovered)";
    }
    r.neg_log10_p = -std::log10(worst);
    r.p_value = worst;
    r.controls_run = true;
    r.controls.push_back({"quick_anchor_noise", q.anchor_cka.control_detected, 0.0});
    if (q.neuron_moments.ran)
        r.controls.push_back({"quick_neuron_noise", q.neuron_moments.control_detected, 0.0});
    return r;
}

}  // namespace lineage::probes::fingerprint
