// The outcome of comparing two models' weights, as plain data: every statistic with its p-value
// and null range, the hidden-space map, the layer map, layer x layer heatmaps, token agreement,
// the naive descriptive figures beside their independent-pair ranges, the positive controls and
// the verdict with its reasons. `lineage compare` formats it (compare_format.h); the audit and the
// checkpoint-chain audit consume it directly.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lineage::probes::weights {

enum class Verdict { derived, independent, inconclusive };
const char* verdict_name(Verdict v);

// One statistic on one paired component (and layer / expert where it applies).
struct ComponentStat {
    std::string family;     // exact_reuse | pearson | neuron_matching | attention_cka | tokens
    std::string statistic;  // e.g. "sha256_equal", "pearson_centred", "spearman(gate,up)"
    std::string component;  // role name, e.g. "mlp_gate", "q_proj+k_proj", "token_embedding"
    int layer_a = -1, layer_b = -1;
    int expert_a = -1, expert_b = -1;
    double value = 0.0;
    double neg_log10_p = 0.0;           // evidence against independence
    double null_lo = 0.0, null_hi = 0.0;  // central range of the null (see null_kind)
    std::string null_kind;
    bool beyond_null = false;           // counts as evidence under the verdict rule
};

struct HiddenMap {
    std::string kind = "none";  // identity | signed_permutation | rotation | none
    bool recovered = false;     // the fit is beyond its null of randomly paired tokens
    double permutation_fit = 0.0, rotation_fit = 0.0, identity_fit = 0.0;
    double null_mean = 0.0, null_max = 0.0;  // best-fit statistic for random token pairings
    std::int64_t shared_tokens = 0;
    std::string token_source;   // "tokenizer byte strings" or "identical ids (fallback)"
    std::string note;
};

struct Heatmap {
    std::string statistic;  // what the cells hold
    std::int64_t rows = 0, cols = 0;  // layers of A x layers of B
    std::vector<double> values;       // row-major
};

struct TokenBlock {
    std::int64_t begin = 0, end = 0;  // B token ids [begin, end)
    double mean_agreement = 0.0;
    bool shared = true;               // the ids have counterparts in A
    bool is_new = false;              // not shared and not agreeing: appended/retrained rows
};

struct TokenAgreement {
    std::string component;            // token_embedding | lm_head
    double mean_cos = 0.0;
    double null_q999 = 0.0;           // 99.9% quantile of cos for random token pairs
    double fraction_agreeing = 0.0;   // shared tokens above that quantile
    std::vector<TokenBlock> blocks;
};

struct Descriptive {
    std::string name;
    double value = 0.0;
    double independent_lo = 0.0, independent_hi = 0.0;  // seen on independent pairs
    std::string why_misleading;
};

struct ControlOutcome {
    std::string name;
    bool detected = false;
    double neg_log10_p = 0.0;
};

struct CompareResult {
    std::string model_a, model_b;
    Verdict verdict = Verdict::inconclusive;
    double neg_log10_p = 0.0;  // combined evidence against independence (Bonferroni over families)
    double p_value = 1.0;      // 10^-neg_log10_p (0 when it underflows a double)
    std::vector<std::string> reasons;
    std::string summary;

    std::vector<ComponentStat> stats;
    HiddenMap hidden;
    std::vector<std::int32_t> layer_map_b_to_a;  // monotone alignment; -1 = inserted
    std::vector<std::int32_t> dropped_layers_a;
    std::vector<std::int32_t> best_match_b_to_a;  // order-free best match per B layer
    std::vector<Heatmap> heatmaps;
    double neuron_neg_log10_p = 0.0;     // Fisher over B layers (best match, Bonferroni)
    double attention_neg_log10_p = 0.0;  // Fisher over matched layers
    double pearson_max_neg_log10_p = 0.0;
    bool exact_reuse = false;
    std::int64_t comparable_layer_pairs = 0;  // layer pairs whose neurons could be matched
    std::vector<TokenAgreement> tokens;
    std::vector<Descriptive> descriptive;
    std::vector<ControlOutcome> controls;
    bool controls_run = false;

    std::uint64_t seed = 0;
    int cka_shuffles = 0;
    std::string rule_source;
    double seconds = 0.0;
};

}  // namespace lineage::probes::weights
