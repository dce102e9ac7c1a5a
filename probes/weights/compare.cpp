// Orchestration and the verdict rule (see compare.h and verdict_rule.h).
#include "probes/weights/compare.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <sstream>

#include "probes/stats/correlation.h"
#include "probes/stats/distributions.h"
#include "probes/stats/figure_text.h"
#include "probes/stats/layer_alignment.h"
#include "probes/weights/attention_invariant.h"
#include "probes/weights/block_hidden_map.h"
#include "probes/weights/direct_statistics.h"
#include "probes/weights/expert_matching.h"
#include "probes/weights/hidden_alignment.h"
#include "probes/weights/layer_sample_view.h"
#include "probes/weights/lm_head_width.h"
#include "probes/weights/mapped_statistics.h"
#include "probes/weights/neuron_matching.h"
#include "probes/weights/pair_context.h"
#include "probes/weights/positive_controls.h"
#include "probes/weights/token_agreement.h"
#include "probes/weights/tower_compare.h"
#include "probes/weights/unmatched_layers.h"

namespace lineage::probes::weights {

const char* verdict_name(Verdict v) {
    switch (v) {
        case Verdict::derived: return "derived";
        case Verdict::independent: return "independent";
        case Verdict::inconclusive: return "inconclusive";
    }
    return "inconclusive";
}

namespace {

// The statistic families whose strongest member makes the pair's combined evidence (neuron
// matching, attention invariant, Pearson, and the token agreement that shares their thresholds):
// the combined -log10 p is Bonferroni-adjusted over them.
constexpr double kEvidenceFamilies = 4.0;

std::string fmt(double v, int prec = 3) { return stats::figure_text(v, prec); }

double raw_cos(const std::vector<float>& a, const std::vector<float>& b) {
    if (a.size() != b.size() || a.empty()) return std::nan("");
    double ab = 0, aa = 0, bb = 0;
    for (std::size_t i = 0; i < a.size(); ++i) ab += a[i] * b[i], aa += a[i] * a[i], bb += b[i] * b[i];
    return aa > 0 && bb > 0 ? ab / std::sqrt(aa * bb) : std::nan("");
}

void descriptive(const PairContext& ctx, const std::vector<double>& raw_cosines, CompareResult& r) {
    const VerdictRule& rule = ctx.rule;
    double s = 0;
    int n = 0;
    const std::size_t layers = std::min(ctx.sa.layers.size(), ctx.sb.layers.size());
    for (std::size_t l = 0; l < layers; ++l) {
        const double c = raw_cos(ctx.sa.layers[l].attn_norm, ctx.sb.layers[l].attn_norm);
        if (!std::isnan(c)) s += c, ++n;
    }
    r.descriptive.push_back({"norm_weight_cosine", n ? s / n : std::nan(""), rule.range_norm_cos[0],
                             rule.range_norm_cos[1],
                             "norm gains sit near a common constant in every model, so any two "
                             "models score close to 1"});
    std::vector<double> qa, qb;
    for (std::size_t l = 0; l < layers; ++l)
        qa.push_back(ctx.sa.layers[l].q_std), qb.push_back(ctx.sb.layers[l].q_std);
    r.descriptive.push_back({"attention_std_curve_correlation",
                             qa.size() >= 3 ? stats::pearson(std::span<const double>(qa),
                                                             std::span<const double>(qb))
                                            : std::nan(""),
                             rule.range_std_curve[0], rule.range_std_curve[1],
                             "per-layer std curves are shaped by architecture, initialisation and "
                             "depth, not by lineage"});
    double rc = 0;
    for (double v : raw_cosines) rc += v;
    r.descriptive.push_back({"raw_cosine", raw_cosines.empty() ? std::nan("") : rc / raw_cosines.size(),
                             rule.range_raw_cos[0], rule.range_raw_cos[1],
                             "uncentred and unaligned: blind to permutation and rotation, and "
                             "inflated by shared offsets"});
    const auto ca = ctx.a.config_fields(), cb = ctx.b.config_fields();
    int same = 0, total = 0;
    for (const auto& [k, v] : ca)
        if (auto it = cb.find(k); it != cb.end()) ++total, same += it->second == v;
    r.descriptive.push_back({"config_overlap", total ? static_cast<double>(same) / total : std::nan(""),
                             rule.range_config[0], rule.range_config[1],
                             "independent models of one architecture share most config values"});
}

void decide(const VerdictRule& rule, CompareResult& r) {
    const double neuron_thr = rule.neuron_threshold();
    const bool neuron = r.neuron_neg_log10_p >= neuron_thr;
    const bool attention = r.attention_neg_log10_p >= rule.attention_corroboration_neg_log10_p;
    const bool pearson = r.pearson_max_neg_log10_p >= rule.derived_neg_log10_p;
    double token_frac = 0.0;
    for (const auto& t : r.tokens) token_frac = std::max(token_frac, t.fraction_agreeing);
    r.reasons.clear();
    if (r.exact_reuse) r.reasons.push_back("exact reuse: bit-identical tensors or rows");
    if (pearson)
        r.reasons.push_back("a tensor group correlated beyond the independent-pair band (-log10 p " +
                            fmt(r.pearson_max_neg_log10_p) + ", effect >= " +
                            fmt(rule.pearson_min_effect) + ")");
    if (neuron && attention)
        r.reasons.push_back("neuron matching -log10 p " + fmt(r.neuron_neg_log10_p) + " >= " +
                            fmt(neuron_thr) + ", corroborated by the attention invariant (-log10 p " +
                            fmt(r.attention_neg_log10_p) + ")");
    if (r.exact_reuse || pearson || (neuron && attention)) {
        r.verdict = Verdict::derived;
        return;
    }
    // "Inside its null" is judged with the same multiplicity as the pair's combined evidence
    // (r.neg_log10_p, Bonferroni over the families): a pair is independent when its combined
    // p-value stays above 10^-inside. Judging each family unadjusted would flag a few
    // independent pairs per thousand by chance (zoo C vs A-drop: one neuron-matching cell at p 1e-4.1,
    // family 3.54, combined 2.94).
    const double inside = rule.inside_null_neg_log10_p + std::log10(kEvidenceFamilies);
    // The attention invariant is inside the independent-model range when its permutation p is,
    // or when no layer's CKA exceeds what models with independent weights reach (a distilled
    // student's aligned attention is far beyond the permutation null; see verdict_rule.h).
    double attention_cka_max = -1.0;
    for (const auto& s : r.stats)
        if (s.family == "attention_cka") attention_cka_max = std::max(attention_cka_max, s.value);
    const bool attention_inside = r.attention_neg_log10_p < inside ||
                                  attention_cka_max <= rule.attention_cka_independent_max;
    const bool all_inside = r.neuron_neg_log10_p < inside && attention_inside &&
                            r.pearson_max_neg_log10_p < inside &&
                            token_frac <= rule.token_agreement_max_fraction_independent;
    bool controls_ok = r.controls_run && !r.controls.empty();
    for (const auto& c : r.controls) controls_ok = controls_ok && c.detected;
    // Different widths: embeddings and lm_head are judged by the width-invariant token statistic
    // (lm_head_width.h), which must support independence too where it is calibrated (silent
    // elsewhere: no evidence either way); it never makes a pair derived.
    bool width_tokens = true;
    for (const auto& w : r.width_invariant_tokens)
        width_tokens = width_tokens && (w.silent || w.relation == Verdict::independent);
    // Tests that could not run (hidden widths differ and no map was recovered) are not "inside
    // their null": with nothing compared, independence is not shown.
    const bool tested = r.comparable_layer_pairs > 0;
    if (all_inside && controls_ok && tested && width_tokens) {
        r.verdict = Verdict::independent;
        std::string from;
        if (!r.control_layers.empty())
            from = " (built from " + std::to_string(r.control_layers.size()) + " evenly spaced of A's " +
                   std::to_string(r.layers_a) + " layers)";
        r.reasons.push_back("every test inside its null, and all " + std::to_string(r.controls.size()) +
                            " positive controls from A were detected at the same settings" + from);
        for (const auto& w : r.width_invariant_tokens)
            r.reasons.push_back(w.component + " (different widths): " + w.note);
        return;
    }
    r.verdict = Verdict::inconclusive;
    if (neuron && !attention)
        r.reasons.push_back("neuron matching beyond threshold but not corroborated by the attention "
                            "invariant");
    if (!all_inside)
        r.reasons.push_back("some evidence outside the null ranges but below the derived thresholds");
    if (!tested)
        r.reasons.push_back("no MLP layer pair could be compared (no gate/up rows of one width, "
                            "even through the hidden map)");
    for (const auto& w : r.width_invariant_tokens)
        if (w.relation != Verdict::independent && !w.silent)
            r.reasons.push_back(w.component + " (different widths): " + w.note);
    if (!r.controls_run) r.reasons.push_back("positive controls not run (required for independent)");
    else if (!controls_ok) r.reasons.push_back("a positive control was missed: the probe lacks power here");
}

std::string summarise(const CompareResult& r) {
    std::ostringstream s;
    s << "Comparing the weights of " << r.model_a << " (A) and " << r.model_b << " (B): ";
    if (r.verdict == Verdict::derived)
        s << "the weights are DERIVED - one model descends from the other. ";
    else if (r.verdict == Verdict::independent)
        s << "the weights look INDEPENDENT. ";
    else
        s << "the evidence is INCONCLUSIVE. ";
    s << "The hidden spaces were aligned as '" << r.hidden.kind << "' from "
      << (r.hidden.source.empty() ? std::to_string(r.hidden.shared_tokens) + " shared tokens" : r.hidden.source)
      << " (fit " << fmt(std::max(r.hidden.permutation_fit, r.hidden.rotation_fit))
      << " vs " << fmt(r.hidden.null_max) << " for random token pairs). ";
    s << "Matching MLP neurons by gate rows and by up rows gives -log10 p = "
      << fmt(r.neuron_neg_log10_p, 4) << " combined over layers; the attention invariant (unbiased "
      << "CKA of aligned Wq/Wk against " << r.cka_shuffles << " shuffles) gives -log10 p = "
      << fmt(r.attention_neg_log10_p, 4) << ". ";
    if (r.exact_reuse) s << "Some tensors are bit-identical. ";
    int inserted = 0;
    for (auto a : r.layer_map_b_to_a) inserted += a < 0;
    if (!r.layer_map_b_to_a.empty())
        s << "Layer map: " << r.dropped_layers_a.size() << " of A's layers have no counterpart in B, "
          << inserted << " of B's layers none in A. ";
    if (r.controls_run) {
        int det = 0;
        for (const auto& c : r.controls) det += c.detected;
        s << det << " of " << r.controls.size()
          << " positive controls (noise, pruning, rotation of A) were detected, which is the power "
             "behind an 'independent' verdict. ";
    }
    if (!r.expert_layers.empty()) {
        int descended = 0, compared = 0, upcycled = 0;
        for (const auto& e : r.expert_layers) {
            descended += e.descended;
            compared += static_cast<int>(e.expert_b.size());
            upcycled += e.upcycled;
        }
        s << "Mixture of experts, expert by expert over " << r.expert_layers.size() << " matched layer pairs: "
          << descended << " of " << compared << " compared blocks of B descend from A";
        if (upcycled) s << "; in " << upcycled << " layers every routed expert of B descends from A's dense MLP (upcycled)";
        s << ". ";
    }
    for (const auto& t : r.towers)
        s << "The " << t.tower << " tower, judged on its own (" << t.pairs << " tensor pairs), is "
          << verdict_name(t.verdict) << ": " << t.reason << ". ";
    s << "Naive figures such as norm-weight cosine are listed for context only: they are high for "
         "unrelated models too.";
    return s.str();
}

}  // namespace

CompareResult compare_models(const ModelView& a, const ModelView& b, const CompareOptions& options) {
    const WeightSummary sa = summarize(a), sb = summarize(b);
    return compare_models(a, sa, b, sb, options);
}

CompareResult compare_models(const ModelView& a, const WeightSummary& sa, const ModelView& b,
                             const WeightSummary& sb, const CompareOptions& options) {
    const auto t0 = std::chrono::steady_clock::now();
    const VerdictRule& rule = options.rule;
    CompareResult r;
    r.model_a = a.label(), r.model_b = b.label();
    r.seed = options.seed.value_or(rule.seed);
    r.cka_shuffles = rule.cka_shuffles;
    r.rule_source = rule.source;
    PairContext ctx{a, b, sa, sb, rule, MatrixF(), false};
    auto lap_start = t0;
    auto lap = [&](const char* stage) {
        const auto now = std::chrono::steady_clock::now();
        r.stage_seconds.emplace_back(stage, std::chrono::duration<double>(now - lap_start).count());
        lap_start = now;
    };

    // 0. exact reuse (the language model's own flag; towers are judged below, each on its own)
    exact_reuse(ctx, r.stats);
    r.exact_reuse = exact_reuse_in_language_model(r.stats);
    if (options.compare_towers) r.towers = compare_towers(ctx, r.seed + 4000, r.stats);
    lap("exact_reuse_and_towers");

    // 2. hidden-space map from shared tokens
    const TensorRef* ea = a.find(Role::token_embedding);
    const TensorRef* eb = b.find(Role::token_embedding);
    const SharedTokens tokens = shared_tokens(a, b, ea ? ea->rows() : 0, eb ? eb->rows() : 0);
    MatrixF best_fit;
    r.hidden = align_hidden(ctx, tokens, r.seed, r.stats, &best_fit);
    // Different widths and no recovered map: align through the best held-out fit anyway. This is
    // a basis choice, as the stored bases are for models of one width, and it keeps the tests
    // valid: the map is estimated from the embedding rows alone, never from the MLP or attention
    // weights it is then applied to, so under independence it cannot make A's gate and up
    // matchings agree (each neuron's gate and up rows pass through the same fixed map, and
    // independently initialised neurons have no counterpart to agree on) or A's Wq/Wk resemble
    // B's beyond what any fixed basis gives; the permutation and Spearman nulls hold as they do
    // in the stored bases. Zoo D (hidden 192) against A, B, C, E and A-student stays inside the
    // nulls this way, while a widened or pruned copy of A recovers its map and is detected.
    const bool best_fit_basis = !r.hidden.recovered && best_fit.size() > 0;
    if (best_fit_basis) {
        ctx.hidden_map = best_fit;
        ctx.has_map = true;
    }
    lap("hidden_map");
    if (r.hidden.recovered)
        r.hidden.source = "embeddings of " + std::to_string(r.hidden.shared_tokens) + " shared tokens";
    // 2b. No map from the embeddings (B's own, e.g. retrained after lifting A's blocks into a
    // rotated or permuted basis): estimate one from the block weights themselves. It depends on B
    // only through neuron- and head-order-invariant matrices and never reads Wq/Wk, so neuron
    // matching and the attention invariant run through it with their nulls intact
    // (block_hidden_map.h).
    if (!r.hidden.recovered && !best_fit_basis) {
        BlockHiddenMap bm = block_hidden_map(ctx, r.stats);
        if (bm.recovered) {
            ctx.hidden_map = std::move(bm.map);
            ctx.has_map = true;
            r.hidden.kind = bm.kind;
            r.hidden.recovered = true;
            r.hidden.permutation_fit = bm.permutation_fit;
            r.hidden.rotation_fit = bm.rotation_fit;
            r.hidden.null_max = bm.null_max;
            r.hidden.null_mean = bm.null_mean;
            r.hidden.source = "block weights of layer " + std::to_string(bm.layer_a) + " (A) and layer " +
                              std::to_string(bm.layer_b) + " (B)";
            r.hidden.note = bm.note;
        } else if (!bm.note.empty()) {
            r.hidden.note += (r.hidden.note.empty() ? "" : "; ") + bm.note;
        }
    }

    lap("block_hidden_map");
    // 3. neuron matching, layer x layer, and the layer maps
    const NeuronMatchingResult nm = neuron_matching(ctx);
    lap("neuron_matching");
    r.neuron_neg_log10_p = nm.combined_neg_log10_p;
    r.best_match_b_to_a = nm.best_a_for_b;
    for (const auto& cell : nm.cells) r.comparable_layer_pairs += cell.best.neurons > 0;
    r.heatmaps.push_back({"neuron_matching_neg_log10_p", nm.layers_a, nm.layers_b, nm.scores});
    std::vector<double> filled = nm.scores;
    for (auto& v : filled)
        if (std::isnan(v)) v = 0.0;
    const auto lm = stats::monotone_alignment(filled, nm.layers_a, nm.layers_b, rule.layer_min_score);
    r.layer_map_b_to_a = lm.b_to_a;
    r.dropped_layers_a = lm.dropped;
    for (std::int64_t j = 0; j < nm.layers_b; ++j) {
        const int i = nm.best_a_for_b[j];
        if (i < 0) continue;
        const LayerPairScore& cell = nm.cells[i * nm.layers_b + j];
        ComponentStat s;
        s.family = "neuron_matching";
        s.statistic = "spearman(gate matching, up matching)";
        s.component = "mlp";
        s.layer_a = i, s.layer_b = static_cast<int>(j);
        s.expert_a = cell.expert_a, s.expert_b = cell.expert_b;
        s.value = cell.best.spearman;
        s.neg_log10_p = nm.best_corrected[j];
        s.null_lo = -shuffle_null_half_width(static_cast<double>(cell.best.neurons));
        s.null_hi = -s.null_lo;
        s.null_kind = "Spearman of independent matchings (t approximation, Bonferroni over A layers)";
        s.beyond_null = s.neg_log10_p >= rule.derived_neg_log10_p;
        r.stats.push_back(s);
    }

    // Matched layer pairs: best matches with evidence, else same index.
    std::vector<std::pair<int, int>> matched;
    for (std::int64_t j = 0; j < nm.layers_b; ++j) {
        if (nm.best_corrected[j] >= rule.layer_min_score && nm.best_a_for_b[j] >= 0)
            matched.emplace_back(nm.best_a_for_b[j], static_cast<int>(j));
        else if (j < nm.layers_a)
            matched.emplace_back(static_cast<int>(j), static_cast<int>(j));
    }

    // 3b. experts: MoE layers matched expert by expert; B's experts against A's dense MLP (upcycling)
    ExpertMatchingOptions expert_options;
    expert_options.threshold_neg_log10_p = rule.derived_neg_log10_p;
    r.expert_layers = expert_matching(ctx, matched, expert_options);
    append_expert_stats(r.expert_layers, rule.derived_neg_log10_p, r.stats);
    lap("experts");

    // 4. attention invariant on matched layers (B's unmatched extra layers: against every A layer)
    const AttentionResult at = attention_invariant(ctx, matched, r.seed + 1000);
    const UnmatchedLayerScores extra =
        score_unmatched_layers(ctx, unmatched_extra_layers(nm, rule.layer_min_score), r.hidden.recovered,
                               r.seed + 1500, r.stats);
    std::vector<double> attention_logs = extra.attention_log_p;
    for (const auto& l : at.layers)
        if (l.dims > 0) attention_logs.push_back(std::log(l.p_value));
    r.attention_neg_log10_p =
        attention_logs.empty() ? 0.0 : stats::neg_log10(stats::fisher_combine_log(attention_logs));
    r.heatmaps.push_back({"attention_unbiased_cka", at.layers_a, at.layers_b, at.heatmap});
    lap("attention_invariant");
    for (const auto& l : at.layers) {
        if (l.dims == 0) continue;
        ComponentStat s;
        s.family = "attention_cka";
        s.statistic = "unbiased_cka(Wq|Wk aligned)";
        s.component = "q_proj+k_proj";
        s.layer_a = l.layer_a, s.layer_b = l.layer_b;
        s.value = l.cka;
        s.neg_log10_p = -std::log10(l.p_value);
        s.null_lo = l.null_mean - 3 * l.null_sd;
        s.null_hi = l.null_max;
        s.null_kind = "permutation of aligned input dims (" + std::to_string(l.shuffles) +
                      " shuffles" + (l.shuffles < rule.cka_shuffles ? ", sequential stop" : "") +
                      ", seed " + std::to_string(l.seed) + ")";
        s.beyond_null = l.p_value <= 1.0 / (rule.cka_shuffles + 1.0) + 1e-12 &&
                        l.cka > rule.attention_cka_independent_max;
        r.stats.push_back(s);
    }

    // 1. unaligned Pearson on same-index and matched layers
    std::vector<std::pair<int, int>> pearson_pairs = matched;
    for (int l = 0; l < std::min(a.num_layers(), b.num_layers()); ++l) pearson_pairs.emplace_back(l, l);
    std::vector<double> raw_cosines;
    r.pearson_max_neg_log10_p = std::max({unaligned_pearson(ctx, pearson_pairs, r.stats, &raw_cosines),
                                          mapped_pearson(ctx, pearson_pairs, r.hidden.recovered, r.stats),
                                          extra.pearson_max_neg_log10_p});

    lap("pearson");
    // 5. tokens
    // (Not through a best-fit basis: that map was fitted on these very tokens, so their agreement
    // through it would be circular; between different widths token agreement then does not apply.)
    PairContext token_ctx = ctx;
    if (best_fit_basis) token_ctx.has_map = false;
    r.tokens = token_agreement(token_ctx, tokens, r.seed + 2000);
    // 5b. different widths: the width-invariant token statistic against its calibrated ceiling
    r.width_invariant_tokens = width_invariant_tokens(ctx, tokens, r.seed + 5000);

    descriptive(ctx, raw_cosines, r);
    lap("tokens");

    // Combined evidence: the strongest family, Bonferroni over the families.
    const double families = kEvidenceFamilies;
    double best = std::max({r.neuron_neg_log10_p, r.attention_neg_log10_p, r.pearson_max_neg_log10_p});
    if (r.exact_reuse) best = std::numeric_limits<double>::infinity();
    r.neg_log10_p = std::max(0.0, best - std::log10(families));
    r.p_value = std::isinf(r.neg_log10_p) ? 0.0 : std::pow(10.0, -r.neg_log10_p);

    decide(rule, r);
    if (r.verdict != Verdict::derived && options.run_controls) {
        // Positive controls from the claimed parent, at the same settings.
        r.controls_run = true;
        CompareOptions inner = options;
        inner.run_controls = false;
        inner.compare_towers = false;  // the controls alter the language model only
        // Wide models: controls from an evenly spaced sample of A's blocks, compared with the
        // same sample (a 7B control on every block costs more than the pair's own comparison).
        // Detection there implies detection on the whole model: more strongly dependent layers
        // only add evidence to every family (Fisher, maxima), and the layer search's
        // Bonferroni term grows by log10(layers) at most, against evidence in the thousands.
        const ModelView* parent = &a;
        const WeightSummary* parent_summary = &sa;
        std::unique_ptr<LayerSampleView> sample;
        WeightSummary sample_summary;
        r.layers_a = a.num_layers();
        if (ea && ea->cols() > rule.control_all_layers_up_to_hidden &&
            r.layers_a > std::max(1, rule.control_layers)) {
            sample = std::make_unique<LayerSampleView>(
                a, evenly_spaced_layers(r.layers_a, std::max(1, rule.control_layers)));
            sample_summary = summarize(*sample);
            parent = sample.get();
            parent_summary = &sample_summary;
            r.control_layers = sample->layers();
        }
        for (auto& c : make_controls(*parent, rule, r.seed + 3000, eb ? eb->cols() : 0)) {
            const CompareResult cr = compare_models(*parent, *parent_summary, *c.view, summarize(*c.view), inner);
            r.controls.push_back({c.name, cr.verdict == Verdict::derived, cr.neg_log10_p});
        }
        decide(rule, r);
        lap("positive_controls");
    }
    // A derived tower makes B derived from A even when its language model is not.
    r.language_model_verdict = r.verdict;
    for (const auto& t : r.towers) {
        if (t.verdict != Verdict::derived) continue;
        if (r.verdict != Verdict::derived)
            r.reasons.push_back("the " + t.tower + " tower is derived (" + t.reason +
                                ") although the language model alone is " + verdict_name(r.language_model_verdict));
        r.verdict = Verdict::derived;
        // The tower's evidence then stands for the model's: its strongest pair, or exact reuse.
        const double tower_neg = t.exact_reuse ? std::numeric_limits<double>::infinity() : t.neg_log10_p;
        if (tower_neg > r.neg_log10_p) {
            r.neg_log10_p = tower_neg;
            r.p_value = std::isinf(tower_neg) ? 0.0 : std::pow(10.0, -tower_neg);
        }
    }
    r.summary = summarise(r);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

}  // namespace lineage::probes::weights
