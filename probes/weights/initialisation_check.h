// Does a checkpoint look like a freshly initialised model rather than a trained one? The origin of a
// checkpoint chain must be an initialisation: a run "from scratch" whose first checkpoint already
// carries trained structure started from someone's weights. Three signs, each against a null:
//  - per-tensor standard deviation against the initialisation scheme its config implies
//    (transformers: normal(0, initializer_range) for linear and embedding weights, norm gains 1,
//    biases 0), as the ratio std / expected std;
//  - spectral outliers: the top singular value of a (row- and column-subsampled) matrix over the
//    Marchenko-Pastur edge std * (sqrt(m) + sqrt(n)); an i.i.d. matrix sits at ~1, training grows
//    low-rank directions far above it. Null: the same statistic on seeded Gaussian matrices of the
//    same shape, computed by the same power iteration;
//  - embedding structure: the spread of token-embedding row norms (coefficient of variation times
//    sqrt(2 * hidden), ~1 for Gaussian rows; frequent tokens move, rare ones do not), against the
//    same Gaussian null.
// Norm gains still at their initial value are counted too (a sign of initialisation only: a few
// steps of training move them). Thresholds live in initialisation_rule.json beside this file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "probes/weights/model_view.h"

namespace lineage::weights {
struct ModelConfig;
}

namespace lineage::probes::weights {

struct InitialisationRule {
    double std_ratio_lo = 0.85, std_ratio_hi = 1.15;  // std / scheme std of an initialised matrix
    int spectral_max_rows = 256, spectral_max_cols = 2048;  // subsample for the power iteration
    int power_iterations = 40;
    int embedding_null_max_rows = 4096;
    int null_draws = 8;
    double null_margin = 1.1;  // an outlier exceeds the largest null draw by this factor
    int min_matrix_side = 8;    // smaller matrices are not tested
    double init_min_fraction_std_consistent = 0.9;
    double init_max_fraction_outliers = 0.05;
    double init_min_fraction_norms_at_init = 0.9;
    double trained_min_fraction_outliers = 0.25;
    double default_std = 0.02;  // transformers' default initializer_range
    std::uint64_t seed = 20261123;
    std::string source = "built-in defaults";
};

// initialisation_rule.json beside this file when present, else the built-in defaults.
InitialisationRule default_initialisation_rule();
// Throws InputError naming the file and field on bad content.
InitialisationRule load_initialisation_rule(const std::string& path);

// What the config says an initialised tensor looks like.
struct InitScheme {
    std::string model_type;
    double std = 0.02;          // linear and embedding weights ~ normal(0, std)
    double norm_value = 1.0;    // norm gains start here
    std::string std_source;     // "config: initializer_range" or "assumed (transformers default)"
};

// From config.json (initializer_range, or init_std); the rule's default when absent or no config.
InitScheme init_scheme_for(const lineage::weights::ModelConfig* config,
                           const InitialisationRule& rule);

enum class TensorKind : std::uint8_t { matrix, embedding, norm, bias, skipped };
const char* tensor_kind_name(TensorKind k);

// Per-tensor measurements (measure_tensor) and their judgement (judge_initialisation).
struct TensorInitStats {
    std::string name;
    Role role = Role::other;
    TensorKind kind = TensorKind::skipped;
    std::int64_t rows = 0, cols = 0;
    std::int64_t sample_rows = 0, sample_cols = 0;  // the spectral subsample
    double mean = 0.0, stddev = 0.0;
    double std_ratio = 0.0;          // stddev / scheme std (matrices, embeddings)
    double spectral_ratio = 0.0;     // top singular value / MP edge of the subsample
    double row_norm_cv_ratio = 0.0;  // embeddings: CV of non-zero row norms x sqrt(2 cols)
    bool at_init_value = false;      // norms: every gain equals the scheme's; biases: all zero
    // Filled by judge_initialisation:
    double spectral_null_hi = 0.0, row_cv_null_hi = 0.0;
    bool std_consistent = false, spectral_outlier = false, embedding_structured = false;
};

// Measures one tensor already read as fp32 (thread-safe; used inside a streaming pass).
TensorInitStats measure_tensor(const TensorRef& t, const MatrixF& m, const InitScheme& scheme,
                               const InitialisationRule& rule);

enum class InitLook : std::uint8_t { initialisation, trained, unclear };
const char* init_look_name(InitLook l);  // "initialisation" | "trained" | "unclear"

struct InitialisationResult {
    InitLook look = InitLook::unclear;
    InitScheme scheme;
    std::vector<TensorInitStats> tensors;  // tested tensors only (kind != skipped)
    int matrices = 0, std_consistent = 0, spectral_outliers = 0;
    int embeddings = 0, embeddings_structured = 0;
    int norms = 0, norms_at_init = 0;
    double median_spectral_ratio = 0.0, max_spectral_ratio = 0.0;
    double median_std_ratio = 0.0;
    std::vector<std::string> reasons;  // one line each, English (technical record)
    std::string rule_source;
    std::uint64_t seed = 0;
};

// Computes the nulls (seeded Gaussian draws per distinct shape), flags each tensor and decides.
InitialisationResult judge_initialisation(std::vector<TensorInitStats> measured,
                                          const InitScheme& scheme,
                                          const InitialisationRule& rule);

// Convenience: reads every tensor of `view` once, then judges.
InitialisationResult check_initialisation(const ModelView& view, const InitScheme& scheme,
                                          const InitialisationRule& rule);

}  // namespace lineage::probes::weights
