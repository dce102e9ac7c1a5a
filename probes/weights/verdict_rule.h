// The parameters of the weight probe's verdict rule, read from verdict_rule.json (next to this
// file in the source tree, or a file named with --rule). The rule itself (decide_verdict in
// compare.cpp) is: derived on an exact-reuse hit, a tensor group beyond its null's 1-1e-6 quantile
// (with an effect size above what independent pairs show), or a neuron-matching p below
// 1e-6 / (candidates x components) corroborated by the attention invariant; independent only
// when every test sits inside its null and the positive controls built from the claimed parent
// are detected; otherwise inconclusive.
#pragma once

#include <cstdint>
#include <string>

namespace lineage::probes::weights {

struct VerdictRule {
    double derived_neg_log10_p = 6.0;
    double pearson_min_effect = 0.2;
    std::int64_t exact_reuse_min_elements = 4096;
    double minhash_min_jaccard = 0.5;
    int neuron_candidates = 1;
    int neuron_components = 2;
    double attention_corroboration_neg_log10_p = 2.0;
    // Independent needs the pair's combined evidence (strongest family, Bonferroni over the
    // families, as in the JSON's p_value) below this -log10 p (compare.cpp decide()).
    double inside_null_neg_log10_p = 3.0;
    // The attention invariant's second calibration, against models with independent weights:
    // after the hidden spaces are aligned through shared tokens, a distilled student's Wq|Wk still
    // reach an unbiased CKA of 0.41 with its teacher's (zoo A vs A-student: far beyond the
    // permutation null, yet no weights were inherited), while derived models sit at 0.96-1.0.
    // A layer counts as beyond the null only above this ceiling.
    double attention_cka_independent_max = 0.6;
    double layer_min_score = 3.0;
    double token_agreement_max_fraction_independent = 0.05;
    int cka_shuffles = 1000;
    int cka_max_dims = 1024;
    int hidden_map_null_draws = 20;
    // A hidden map is used only when its fit is beyond the random-pairing null AND at least this:
    // independently trained models share enough token geometry for a partial linear fit (zoo A vs
    // B: rotation fit 0.36), which would otherwise align unrelated models functionally.
    double hidden_map_min_fit = 0.6;
    int max_layer_pairs = 64;
    std::uint64_t seed = 20260523;
    double control_noise_relative_std = 1.0;
    double control_prune_fraction = 0.25;
    bool control_rotation = true;
    // Above this hidden width the controls are built from control_layers evenly spaced blocks of
    // A (compared with the same blocks of A): a control costs a few layers, not the whole depth.
    int control_all_layers_up_to_hidden = 1024;
    int control_layers = 4;
    // Descriptive independent-pair ranges.
    double range_norm_cos[2] = {0.95, 1.0};
    double range_std_curve[2] = {-1.0, 1.0};
    double range_raw_cos[2] = {-0.01, 0.01};
    double range_config[2] = {0.5, 1.0};
    std::string source = "built-in defaults";

    // Threshold for the neuron-matching family: derived_neg_log10_p + log10(candidates*components).
    double neuron_threshold() const;
};

// The rule file shipped with the source tree (path), or "" when it cannot be found.
std::string default_rule_path();
// Loads a rule file; throws InputError naming the file and field on bad content.
VerdictRule load_verdict_rule(const std::string& path);
// default_rule_path() if present, else the built-in defaults.
VerdictRule default_verdict_rule();

}  // namespace lineage::probes::weights
