// The initialisation check (see the header): per-tensor measurements, Gaussian nulls per shape,
// and the decision initialisation / trained / unclear.
#include "probes/weights/initialisation_check.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>

#include "probes/stats/data_file.h"
#include "probes/stats/random.h"
#include "probes/stats/thread_pool.h"
#include "weights/core/error.h"
#include "weights/core/json_value.h"
#include "weights/model_config.h"

namespace lineage::probes::weights {
namespace {

double number(const JsonValue& obj, const char* key, double fallback, const std::string& path) {
    const JsonValue* v = obj.find(key);
    if (!v) return fallback;
    if (!v->is_number() || !std::isfinite(v->as_double()))
        throw InputError(path, std::string("field '") + key + "': expected a finite number");
    return v->as_double();
}

TensorKind kind_of(const TensorRef& t, const InitialisationRule& rule) {
    if (!t.role.tower.empty()) return TensorKind::skipped;
    if (t.role.is_bias) return TensorKind::bias;
    switch (t.role.role) {
        case Role::attn_norm: case Role::mlp_norm: case Role::post_attn_norm:
        case Role::post_mlp_norm: case Role::final_norm: case Role::q_norm: case Role::k_norm:
        case Role::q_a_norm: case Role::kv_a_norm:
            return TensorKind::norm;
        case Role::token_embedding: case Role::lm_head:
            return t.shape.size() == 2 ? TensorKind::embedding : TensorKind::skipped;
        case Role::position_embedding: case Role::router_bias: case Role::vision:
        case Role::projector: case Role::other:
            return TensorKind::skipped;
        default:
            break;
    }
    if (t.shape.size() < 2 || std::min(t.rows(), t.cols()) < rule.min_matrix_side)
        return TensorKind::skipped;
    return TensorKind::matrix;
}

// Evenly spaced indices 0..n-1, at most k of them.
std::vector<Eigen::Index> spread(std::int64_t n, int k) {
    const std::int64_t m = std::min<std::int64_t>(n, k);
    std::vector<Eigen::Index> idx(static_cast<std::size_t>(m));
    for (std::int64_t i = 0; i < m; ++i) idx[static_cast<std::size_t>(i)] = (i * n) / m;
    return idx;
}

// Top singular value by power iteration on AᵀA from a fixed start (deterministic).
double top_singular_value(const MatrixF& a, int iterations) {
    Eigen::VectorXf v = Eigen::VectorXf::Ones(a.cols());
    for (Eigen::Index j = 0; j < v.size(); ++j) v[j] += 0.5f * std::sin(static_cast<float>(j));
    v.normalize();
    for (int it = 0; it < iterations; ++it) {
        const Eigen::VectorXf u = a * v;
        v = a.transpose() * u;
        const float n = v.norm();
        if (!(n > 0.0f)) return 0.0;
        v /= n;
    }
    return static_cast<double>((a * v).norm());
}

// s_max / (std * (sqrt(m) + sqrt(n))) of a subsample of `m`.
double spectral_ratio_of(const MatrixF& m, const InitialisationRule& rule, std::int64_t* sr,
                         std::int64_t* sc) {
    const auto rows = spread(m.rows(), rule.spectral_max_rows);
    const auto cols = spread(m.cols(), rule.spectral_max_cols);
    MatrixF s(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(cols.size()));
    for (std::size_t i = 0; i < rows.size(); ++i)
        for (std::size_t j = 0; j < cols.size(); ++j)
            s(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = m(rows[i], cols[j]);
    if (sr) *sr = s.rows();
    if (sc) *sc = s.cols();
    const double n = static_cast<double>(s.size());
    const double mean = s.cast<double>().sum() / n;
    const double var = std::max(0.0, s.cast<double>().squaredNorm() / n - mean * mean);
    if (!(var > 0.0)) return 0.0;
    const double edge = std::sqrt(var) * (std::sqrt(static_cast<double>(s.rows())) +
                                          std::sqrt(static_cast<double>(s.cols())));
    return top_singular_value(s, rule.power_iterations) / edge;
}

// Coefficient of variation of the non-zero row norms x sqrt(2 * cols) (~1 for Gaussian rows).
double row_norm_cv_ratio_of(const MatrixF& m) {
    std::vector<double> norms;
    norms.reserve(static_cast<std::size_t>(m.rows()));
    for (Eigen::Index r = 0; r < m.rows(); ++r) {
        const double n = static_cast<double>(m.row(r).norm());
        if (n > 0.0) norms.push_back(n);
    }
    if (norms.size() < 2) return 0.0;
    double sum = 0, sq = 0;
    for (double n : norms) sum += n, sq += n * n;
    const double k = static_cast<double>(norms.size());
    const double mean = sum / k;
    const double sd = std::sqrt(std::max(0.0, sq / k - mean * mean));
    return sd / mean * std::sqrt(2.0 * static_cast<double>(m.cols()));
}

MatrixF gaussian(std::int64_t rows, std::int64_t cols, stats::Rng& rng) {
    MatrixF m(rows, cols);
    for (Eigen::Index k = 0; k < m.size(); ++k)
        m.data()[k] = static_cast<float>(stats::standard_normal(rng));
    return m;
}

double median(std::vector<double> v) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    const std::size_t h = v.size() / 2;
    return v.size() % 2 ? v[h] : 0.5 * (v[h - 1] + v[h]);
}

std::string pct(int a, int b) {
    return std::to_string(a) + "/" + std::to_string(b);
}

}  // namespace

const char* tensor_kind_name(TensorKind k) {
    switch (k) {
        case TensorKind::matrix: return "matrix";
        case TensorKind::embedding: return "embedding";
        case TensorKind::norm: return "norm";
        case TensorKind::bias: return "bias";
        case TensorKind::skipped: break;
    }
    return "skipped";
}

const char* init_look_name(InitLook l) {
    switch (l) {
        case InitLook::initialisation: return "initialisation";
        case InitLook::trained: return "trained";
        case InitLook::unclear: break;
    }
    return "unclear";
}

InitialisationRule load_initialisation_rule(const std::string& path) {
    const JsonValue j = JsonValue::parse_file(path);
    if (!j.is_object()) throw InputError(path, "expected a JSON object");
    InitialisationRule r;
    if (const JsonValue* s = j.find("std_ratio_range")) {
        if (!s->is_array() || s->as_array().size() != 2 || !s->as_array()[0].is_number() ||
            !s->as_array()[1].is_number())
            throw InputError(path, "field 'std_ratio_range': expected [lo, hi]");
        r.std_ratio_lo = s->as_array()[0].as_double();
        r.std_ratio_hi = s->as_array()[1].as_double();
    }
    auto integer = [&](const char* key, int fallback) {
        const double d = number(j, key, fallback, path);
        if (d < 1 || d > 1e6 || d != std::floor(d))
            throw InputError(path, std::string("field '") + key + "': expected a positive integer");
        return static_cast<int>(d);
    };
    r.spectral_max_rows = integer("spectral_max_rows", r.spectral_max_rows);
    r.spectral_max_cols = integer("spectral_max_cols", r.spectral_max_cols);
    r.power_iterations = integer("power_iterations", r.power_iterations);
    r.embedding_null_max_rows = integer("embedding_null_max_rows", r.embedding_null_max_rows);
    r.null_draws = integer("null_draws", r.null_draws);
    r.min_matrix_side = integer("min_matrix_side", r.min_matrix_side);
    r.null_margin = number(j, "null_margin", r.null_margin, path);
    r.init_min_fraction_std_consistent =
        number(j, "init_min_fraction_std_consistent", r.init_min_fraction_std_consistent, path);
    r.init_max_fraction_outliers =
        number(j, "init_max_fraction_outliers", r.init_max_fraction_outliers, path);
    r.init_min_fraction_norms_at_init =
        number(j, "init_min_fraction_norms_at_init", r.init_min_fraction_norms_at_init, path);
    r.trained_min_fraction_outliers =
        number(j, "trained_min_fraction_outliers", r.trained_min_fraction_outliers, path);
    r.default_std = number(j, "default_std", r.default_std, path);
    r.seed = static_cast<std::uint64_t>(number(j, "seed", static_cast<double>(r.seed), path));
    if (!(r.std_ratio_lo > 0 && r.std_ratio_lo < r.std_ratio_hi && r.default_std > 0 &&
          r.null_margin >= 1.0))
        throw InputError(path, "inconsistent thresholds (std_ratio_range, default_std, null_margin)");
    r.source = path;
    return r;
}

InitialisationRule default_initialisation_rule() {
    const std::string path = stats::data_file_beside(__FILE__, "initialisation_rule.json");
    return path.empty() ? InitialisationRule{} : load_initialisation_rule(path);
}

InitScheme init_scheme_for(const lineage::weights::ModelConfig* config,
                           const InitialisationRule& rule) {
    InitScheme s;
    s.std = rule.default_std;
    s.std_source = "assumed (transformers default initializer_range)";
    if (!config) return s;
    s.model_type = config->model_type;
    for (const char* key : {"initializer_range", "init_std"}) {
        const JsonValue* v = config->raw.is_object() ? config->raw.find(key) : nullptr;
        if (v && v->is_number() && v->as_double() > 0.0) {
            s.std = v->as_double();
            s.std_source = std::string("config: ") + key;
            break;
        }
    }
    return s;
}

TensorInitStats measure_tensor(const TensorRef& t, const MatrixF& m, const InitScheme& scheme,
                               const InitialisationRule& rule) {
    TensorInitStats s;
    s.name = t.name;
    s.role = t.role.role;
    s.kind = kind_of(t, rule);
    s.rows = m.rows(), s.cols = m.cols();
    if (s.kind == TensorKind::skipped || m.size() == 0) return s;
    const double n = static_cast<double>(m.size());
    const double sum = m.cast<double>().sum();
    s.mean = sum / n;
    s.stddev = std::sqrt(std::max(0.0, m.cast<double>().squaredNorm() / n - s.mean * s.mean));
    if (s.kind == TensorKind::norm) {
        s.at_init_value = (m.array() == static_cast<float>(scheme.norm_value)).all();
        return s;
    }
    if (s.kind == TensorKind::bias) {
        s.at_init_value = (m.array() == 0.0f).all();
        return s;
    }
    s.std_ratio = s.stddev / scheme.std;
    s.spectral_ratio = spectral_ratio_of(m, rule, &s.sample_rows, &s.sample_cols);
    if (s.kind == TensorKind::embedding) s.row_norm_cv_ratio = row_norm_cv_ratio_of(m);
    return s;
}

InitialisationResult judge_initialisation(std::vector<TensorInitStats> measured,
                                          const InitScheme& scheme,
                                          const InitialisationRule& rule) {
    InitialisationResult r;
    r.scheme = scheme;
    r.rule_source = rule.source;
    r.seed = rule.seed;
    std::erase_if(measured, [](const TensorInitStats& s) { return s.kind == TensorKind::skipped; });

    // Nulls: the same statistics on Gaussian matrices of each distinct shape, seeded by the shape.
    std::map<std::pair<std::int64_t, std::int64_t>, double> spectral_null, cv_null;
    for (const auto& s : measured) {
        if (s.kind == TensorKind::matrix || s.kind == TensorKind::embedding)
            spectral_null.emplace(std::make_pair(s.sample_rows, s.sample_cols), 0.0);
        if (s.kind == TensorKind::embedding)
            cv_null.emplace(
                std::make_pair(std::min<std::int64_t>(s.rows, rule.embedding_null_max_rows), s.cols),
                0.0);
    }
    std::vector<std::tuple<int, std::pair<std::int64_t, std::int64_t>, double*>> jobs;
    for (auto& [shape, hi] : spectral_null) jobs.emplace_back(0, shape, &hi);
    for (auto& [shape, hi] : cv_null) jobs.emplace_back(1, shape, &hi);
    stats::parallel_for(jobs.size(), [&](std::size_t i) {
        auto [which, shape, out] = jobs[i];
        stats::Rng rng(rule.seed ^ (static_cast<std::uint64_t>(shape.first) * 0x9E3779B97F4A7C15ULL) ^
                       (static_cast<std::uint64_t>(shape.second) << 20) ^
                       static_cast<std::uint64_t>(which));
        double hi = 0.0;
        for (int d = 0; d < rule.null_draws; ++d) {
            const MatrixF g = gaussian(shape.first, shape.second, rng);
            hi = std::max(hi, which == 0 ? spectral_ratio_of(g, rule, nullptr, nullptr)
                                         : row_norm_cv_ratio_of(g));
        }
        *out = hi;
    });

    std::vector<double> spectral, stds;
    for (auto& s : measured) {
        if (s.kind == TensorKind::norm) {
            ++r.norms;
            r.norms_at_init += s.at_init_value ? 1 : 0;
        } else if (s.kind == TensorKind::matrix || s.kind == TensorKind::embedding) {
            ++r.matrices;
            s.spectral_null_hi = spectral_null[{s.sample_rows, s.sample_cols}];
            s.spectral_outlier = s.spectral_ratio > s.spectral_null_hi * rule.null_margin;
            s.std_consistent = s.std_ratio >= rule.std_ratio_lo && s.std_ratio <= rule.std_ratio_hi;
            r.spectral_outliers += s.spectral_outlier ? 1 : 0;
            r.std_consistent += s.std_consistent ? 1 : 0;
            spectral.push_back(s.spectral_ratio);
            stds.push_back(s.std_ratio);
            if (s.kind == TensorKind::embedding) {
                ++r.embeddings;
                s.row_cv_null_hi =
                    cv_null[{std::min<std::int64_t>(s.rows, rule.embedding_null_max_rows), s.cols}];
                s.embedding_structured = s.row_norm_cv_ratio > s.row_cv_null_hi * rule.null_margin;
                r.embeddings_structured += s.embedding_structured ? 1 : 0;
            }
        }
    }
    r.median_spectral_ratio = median(spectral);
    r.max_spectral_ratio = spectral.empty() ? 0.0 : *std::max_element(spectral.begin(), spectral.end());
    r.median_std_ratio = median(stds);
    r.tensors = std::move(measured);

    if (r.matrices == 0) {
        r.look = InitLook::unclear;
        r.reasons.push_back("no weight matrix could be tested");
        return r;
    }
    const double m = r.matrices;
    const double outliers = r.spectral_outliers / m;
    const double consistent = r.std_consistent / m;
    const double norms = r.norms ? static_cast<double>(r.norms_at_init) / r.norms : 1.0;
    const std::string o = "spectral outliers above the Gaussian null: " +
                          pct(r.spectral_outliers, r.matrices) + " matrices";
    if (outliers >= rule.trained_min_fraction_outliers || r.embeddings_structured > 0) {
        r.look = InitLook::trained;
        if (outliers >= rule.trained_min_fraction_outliers) r.reasons.push_back(o);
        if (r.embeddings_structured > 0)
            r.reasons.push_back("embedding row norms spread beyond the Gaussian null: " +
                                pct(r.embeddings_structured, r.embeddings) + " embedding matrices");
    } else if (outliers <= rule.init_max_fraction_outliers &&
               consistent >= rule.init_min_fraction_std_consistent &&
               norms >= rule.init_min_fraction_norms_at_init) {
        r.look = InitLook::initialisation;
        r.reasons.push_back(o);
        r.reasons.push_back("std matching the scheme (" + scheme.std_source + "): " +
                            pct(r.std_consistent, r.matrices) + " matrices");
        if (r.norms) r.reasons.push_back("norm gains at their initial value: " +
                                         pct(r.norms_at_init, r.norms));
    } else {
        r.look = InitLook::unclear;
        r.reasons.push_back(o);
        r.reasons.push_back("std matching the scheme (" + scheme.std_source + "): " +
                            pct(r.std_consistent, r.matrices) + " matrices");
        if (r.norms) r.reasons.push_back("norm gains at their initial value: " +
                                         pct(r.norms_at_init, r.norms));
    }
    return r;
}

InitialisationResult check_initialisation(const ModelView& view, const InitScheme& scheme,
                                          const InitialisationRule& rule) {
    const auto& refs = view.tensors();
    std::vector<TensorInitStats> measured(refs.size());
    stats::parallel_for(refs.size(), [&](std::size_t i) {
        measured[i] = measure_tensor(refs[i], view.read(refs[i]), scheme, rule);
    });
    return judge_initialisation(std::move(measured), scheme, rule);
}

}  // namespace lineage::probes::weights
