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
    // Reported for context only: its null does not apply (e.g. per-head q/k norm gains, indexed
    // by RoPE frequency, agree between independent models), so it never enters a p-value.
    bool descriptive = false;
};

struct HiddenMap {
    std::string kind = "none";  // identity | signed_permutation | rotation | semi_orthogonal | none
    bool recovered = false;     // the fit is beyond its null of randomly paired tokens
    double permutation_fit = 0.0, rotation_fit = 0.0, identity_fit = 0.0;
    double null_mean = 0.0, null_max = 0.0;  // best-fit statistic for random token pairings
    std::int64_t shared_tokens = 0;
    std::string token_source;   // "tokenizer byte strings" or "identical ids (fallback)"
    // Where the map came from: "embeddings of N shared tokens" or, when those give none, "block
    // weights of layer i (A) and layer j (B)" (block_hidden_map.h).
    std::string source;
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

// Embeddings and lm_head between different hidden widths (probes/weights/lm_head_width.h): the
// median held-out canonical correlation of the shared tokens' rows, against a calibrated ceiling
// for independent models, with its own positive control. It only supports "independent" or stays
// silent: `relation` is independent or inconclusive, never derived.
// Its names in reports (the audit keys its reason text on them).
inline constexpr const char* kWidthInvariantStatistic = "width-invariant token correlation";
inline constexpr const char* kWidthInvariantStatisticSilent = "width-invariant token correlation (not calibrated here)";
struct WidthInvariantTokens {
    std::string component;              // token_embedding | lm_head
    std::int64_t tokens = 0;            // shared-token rows used
    double value = 0.0;                 // median held-out canonical correlation
    double ceiling = 0.0;               // independent pairs' largest value + margin
    double derived_floor = 1.0;         // far beyond every independent pair (flag only)
    int calibration_pairs = 0;          // pairs the ceiling was fitted on
    std::string calibration;            // where the ceiling comes from, and in/out of sample
    double control_value = 0.0;         // A's rows through a random width map + fine-tune noise
    bool control_detected = false;      // control_value > ceiling
    Verdict relation = Verdict::inconclusive;
    // Not calibrated here (no calibration file, or fewer shared tokens per hidden dim than the
    // calibration saw): no evidence either way, so it neither supports nor blocks independence.
    bool silent = false;
    double tokens_per_width = 0.0, min_tokens_per_width = 0.0;
    std::string note;
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

// One tower beside the language model (vision encoder, projector, ...), judged on its own
// (probes/weights/tower_compare.h).
struct TowerBlock {
    int block = -1;                 // the tower's block index in B (-1: outside its blocks)
    int pairs = 0;                  // tensor pairs compared in it
    double max_pearson = 0.0;
    double max_neg_log10_p = 0.0;
};

struct TowerOutcome {
    std::string tower;              // "vision", "projector", "audio"
    Verdict verdict = Verdict::inconclusive;
    std::int64_t tensors_a = 0, tensors_b = 0;
    std::int64_t pairs = 0;         // pairs with the same relative name and shape
    bool exact_reuse = false;
    double neg_log10_p = 0.0;       // strongest pair, Bonferroni over the pairs
    double median_pearson = 0.0;
    bool control_detected = false;  // A's tower tensor + noise found derived
    std::vector<TowerBlock> blocks;
    std::string reason;
};

// Experts of one matched layer pair (probes/weights/expert_matching.h): two MoE layers matched
// expert to expert, or B's experts each tested against A's dense MLP (upcycling).
struct ExpertLayerOutcome {
    int layer_a = -1, layer_b = -1;
    std::string kind;                // experts_vs_experts | dense_vs_experts | experts_vs_dense
    int blocks_a = 0, blocks_b = 0;  // neuron blocks: routed experts (+ shared expert) or the dense MLP
    std::vector<std::int32_t> expert_b;    // per compared B block: its expert (-1 dense MLP, -2 shared)
    std::vector<std::int32_t> matched_a;   // the A block it was matched to (-1 dense MLP, -2 shared, -3 none)
    std::vector<double> neg_log10_p;       // evidence of that match (corrected for the choice of A block)
    std::vector<double> spearman;          // Spearman of its gate and up neuron matchings
    std::vector<std::int64_t> neurons;     // neurons matched in that block pair
    int descended = 0;                     // compared B blocks beyond the derived threshold
    double combined_neg_log10_p = 0.0;     // Fisher over the compared blocks (minus the assignment search)
    bool upcycled = false;                 // dense_vs_experts: every routed expert of B descends from A's MLP
    std::string selection;                 // how A blocks were chosen: "all pairs" | "expert signatures"
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
    bool exact_reuse = false;  // in the language model (towers: see `towers`)
    // The verdict on the language model alone; `verdict` is also "derived" when a tower is.
    Verdict language_model_verdict = Verdict::inconclusive;
    std::vector<TowerOutcome> towers;
    std::vector<ExpertLayerOutcome> expert_layers;  // matched layer pairs where either side is MoE
    std::int64_t comparable_layer_pairs = 0;  // layer pairs whose neurons could be matched
    std::vector<TokenAgreement> tokens;
    std::vector<WidthInvariantTokens> width_invariant_tokens;  // only when the hidden widths differ
    std::vector<Descriptive> descriptive;
    std::vector<ControlOutcome> controls;
    bool controls_run = false;
    // A's blocks the controls were built from (and compared with), when not all of them: wide
    // models use an evenly spaced sample (VerdictRule::control_layers); empty = every block.
    std::vector<int> control_layers;
    int layers_a = 0;

    std::uint64_t seed = 0;
    int cka_shuffles = 0;
    std::string rule_source;
    double seconds = 0.0;
    // Wall seconds per stage, in order (where a comparison's time goes; not reproducible).
    std::vector<std::pair<std::string, double>> stage_seconds;
};

}  // namespace lineage::probes::weights
