// The pieces of the activation probe (see pair_figures.h), moved out of activation_probe.cpp so the
// one-pair probe and the zoo calibration share them.
#include "probes/activation/pair_figures.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>

#include "probes/activation/byte_alignment.h"
#include "probes/activation/output_agreement.h"
#include "probes/stats/layer_alignment.h"
#include "probes/stats/random.h"
#include "probes/tokenizer/token_mapping.h"
#include "reference_model/model/transformer.h"
#include "reference_model/tokenizer/formats/load_vocabulary.h"
#include "reference_model/tokenizer/tokenizer.h"
#include "weights/checkpoint.h"
#include "weights/core/error.h"

namespace lineage::probes::activation {
namespace {

// What the probe needs of a model before its pass: where it is, its tokenizer and dimensions.
struct SideSetup {
    std::string path;
    std::unique_ptr<model::Tokenizer> tokenizer;
    model::Vocabulary vocab;
    std::int64_t layers = 0, vocab_rows = 0, max_positions = 0;
};

// Opens the checkpoint and binds a transformer (validates architecture and shapes, loads no
// weights), so a problem with B is reported before A's forward runs.
SideSetup set_up_side(const std::string& path, model::Backend& backend) {
    SideSetup s;
    s.path = path;
    const auto checkpoint = weights::Checkpoint::open(path);
    const model::Transformer transformer(checkpoint, backend);
    s.layers = transformer.dims().layers;
    s.vocab_rows = transformer.dims().vocab;
    s.max_positions = transformer.dims().max_positions;
    s.tokenizer = std::make_unique<model::Tokenizer>(model::Tokenizer::load(checkpoint.root()));
    s.vocab = model::load_vocabulary(checkpoint.root());
    return s;
}

struct Sample {
    std::int32_t text, pos_a, pos_b;
};

bool same_vocabulary(const model::Vocabulary& a, const model::Vocabulary& b) {
    return a.bytes_by_id == b.bytes_by_id && a.kind_by_id == b.kind_by_id;
}

// The plan of one side: the texts holding samples (cut after their last sampled position; a causal
// model's earlier states do not depend on later tokens) and each sample's (sequence, position).
PassPlan plan_side(const std::vector<std::vector<std::int32_t>>& encoded, const std::vector<Sample>& samples,
                   bool side_a) {
    std::vector<std::pair<std::int32_t, std::int32_t>> points;
    points.reserve(samples.size());
    for (const auto& s : samples) points.emplace_back(s.text, side_a ? s.pos_a : s.pos_b);
    return plan_points(encoded, points);
}

double mean_of(const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return v.empty() ? 0.0 : s / static_cast<double>(v.size());
}

void fill_null(CalibratedFigure& f, const std::vector<double>& draws) {
    f.null_draws = static_cast<int>(draws.size());
    if (draws.empty()) return;
    double s = 0, q = 0;
    for (double x : draws) s += x, q += x * x;
    f.null_mean = s / static_cast<double>(draws.size());
    f.null_sd = std::sqrt(std::max(0.0, q / static_cast<double>(draws.size()) - f.null_mean * f.null_mean));
    f.null_extreme = f.higher_is_closer ? *std::max_element(draws.begin(), draws.end())
                                        : *std::min_element(draws.begin(), draws.end());
}

void set_range(CalibratedFigure& f, const IndependentRange& range) {
    f.independent_lo = range.lo;
    f.independent_hi = range.hi;
    f.independent_pairs = range.pairs;
}

}  // namespace

ProbeSetup prepare_probe(const std::string& model_a, const std::string& model_b, const ProbeCorpus& corpus,
                         const VerdictRule& rule, model::Backend& backend, std::int64_t max_positions) {
    if (max_positions < 8) throw UsageError("probe: --max-positions must be at least 8");
    ProbeSetup setup;
    ProbeResult& r = setup.result;
    r.model_a = model_a;
    r.model_b = model_b;
    r.corpus_name = corpus.name;
    r.corpus_sha256 = corpus.sha256;
    r.texts = static_cast<std::int64_t>(corpus.texts.size());
    r.seed = rule.seed;
    r.cka_shuffles = rule.cka_shuffles;
    r.agreement_shuffles = rule.agreement_shuffles;
    r.rule_source = rule.source;
    r.device = backend.description();
    SideSetup a = set_up_side(model_a, backend);
    SideSetup b = set_up_side(model_b, backend);
    r.same_tokenizer = same_vocabulary(a.vocab, b.vocab);
    r.a.tokenizer_sha256 = a.vocab.sha256;
    r.b.tokenizer_sha256 = b.vocab.sha256;

    // ---- tokenise both ways and pair the positions that end at the same byte offset -----------
    const std::int64_t cut_a = std::min(rule.max_tokens_per_text, a.max_positions > 0 ? a.max_positions : rule.max_tokens_per_text);
    const std::int64_t cut_b = std::min(rule.max_tokens_per_text, b.max_positions > 0 ? b.max_positions : rule.max_tokens_per_text);
    r.max_tokens_per_text = rule.max_tokens_per_text;
    std::vector<std::vector<std::int32_t>> enc_a(corpus.texts.size()), enc_b(corpus.texts.size());
    std::vector<Sample> all;
    for (std::size_t t = 0; t < corpus.texts.size(); ++t) {
        const std::string& text = corpus.texts[t];
        enc_a[t] = a.tokenizer->encode(text, true);
        enc_b[t] = b.tokenizer->encode(text, true);
        if (static_cast<std::int64_t>(enc_a[t].size()) > cut_a) enc_a[t].resize(static_cast<std::size_t>(cut_a));
        if (static_cast<std::int64_t>(enc_b[t].size()) > cut_b) enc_b[t].resize(static_cast<std::size_t>(cut_b));
        const TokenSpans sa = token_byte_spans(enc_a[t], a.vocab, text);
        const TokenSpans sb = token_byte_spans(enc_b[t], b.vocab, text);
        const auto pairs = align_positions(sa, sb, rule.skip_leading_positions);
        if (pairs.empty()) {
            const std::size_t common = std::min(sa.stream.size(), sb.stream.size());
            if (common > 0 && sa.stream.compare(0, common, sb.stream, 0, common) != 0) ++r.texts_normalised_differently;
            continue;
        }
        ++r.texts_aligned;
        for (const auto& [pa, pb] : pairs) all.push_back({static_cast<std::int32_t>(t), pa, pb});
    }
    r.aligned_positions = static_cast<std::int64_t>(all.size());

    // Deterministic subsample; the order is random so any prefix (the agreement rows) is one too.
    {
        stats::Rng rng(rule.seed);
        stats::shuffle(std::span<Sample>(all), rng);
        if (static_cast<std::int64_t>(all.size()) > max_positions) all.resize(static_cast<std::size_t>(max_positions));
    }
    r.positions = static_cast<std::int64_t>(all.size());
    r.rows = a.layers + 1;
    r.cols = b.layers + 1;
    if (r.positions < std::max<std::int64_t>(rule.min_positions, 8)) {
        r.verdict = Verdict::inconclusive;
        r.reasons.push_back("only " + std::to_string(r.positions) + " aligned positions (the rule needs " +
                            std::to_string(rule.min_positions) + "): the tokenizers cut the corpus too differently, or the corpus is too small");
        r.summary = "inconclusive: too few aligned positions";
        return setup;
    }

    setup.plan_a = plan_side(enc_a, all, true);
    setup.plan_b = plan_side(enc_b, all, false);
    // Shared tokens, restricted to ids both embedding tables hold.
    const TokenMapping mapping = map_shared_tokens(a.vocab, b.vocab);
    for (const auto& [ia, ib] : mapping.pairs) {
        if (ia < 0 || ib < 0 || ia >= a.vocab_rows || ib >= b.vocab_rows) continue;
        setup.plan_a.shared_ids.push_back(ia);
        setup.plan_b.shared_ids.push_back(ib);
    }
    r.shared_tokens = static_cast<std::int64_t>(setup.plan_a.shared_ids.size());
    const std::int64_t m = std::min(rule.agreement_positions, r.positions);
    setup.plan_a.agreement_rows = setup.plan_b.agreement_rows = r.shared_tokens >= 2 ? m : 0;
    setup.runnable = true;
    return setup;
}

ModelActivations run_side(const std::string& path, const PassPlan& plan, model::Backend& backend) {
    ModelActivations out;
    const auto checkpoint = weights::Checkpoint::open(path);
    model::Transformer transformer(checkpoint, backend);
    PassOutput pass = run_model_pass(checkpoint, transformer, backend, plan,
                                     [&](std::int64_t, GramSide&& g) { out.grams.push_back(std::move(g)); });
    out.side = pass.side;
    out.log_probs = std::move(pass.log_probs);
    return out;
}

void begin_figures(ProbeResult& r, LayerNullDraws& draws) {
    r.cka_debiased.assign(static_cast<std::size_t>(r.rows * r.cols), 0.0);
    r.cka_linear.assign(static_cast<std::size_t>(r.rows * r.cols), 0.0);
    r.profile.assign(static_cast<std::size_t>(r.cols), ProfileEntry{});
    draws.assign(static_cast<std::size_t>(r.cols), {});
}

void compare_b_layer(ProbeResult& r, const std::vector<GramSide>& grams_a, std::int64_t lb, const GramSide& g,
                     const VerdictRule& rule, LayerNullDraws& draws) {
    std::int64_t best = 0;
    for (std::int64_t la = 0; la < r.rows; ++la) {
        const CkaPair c = cka_from_grams(grams_a[static_cast<std::size_t>(la)], g);
        r.cka_debiased[static_cast<std::size_t>(la * r.cols + lb)] = c.debiased;
        r.cka_linear[static_cast<std::size_t>(la * r.cols + lb)] = c.linear;
        if (c.debiased > r.cka_debiased[static_cast<std::size_t>(best * r.cols + lb)]) best = la;
    }
    const GramNull null = gram_permutation_null(grams_a[static_cast<std::size_t>(best)], g, rule.cka_shuffles,
                                                rule.seed + 1 + static_cast<std::uint64_t>(lb));
    ProfileEntry& e = r.profile[static_cast<std::size_t>(lb)];
    e.layer_b = static_cast<std::int32_t>(lb);
    e.null_mean = null.debiased_mean;
    e.null_sd = null.debiased_sd;
    e.null_max = null.debiased_max;
    draws[static_cast<std::size_t>(lb)] = null.debiased;
}

void finish_figures(ProbeResult& r, const LayerNullDraws& draws, MatrixF logp_a, MatrixF logp_b,
                    const VerdictRule& rule) {
    // ---- layer alignment and the diagonal profile ------------------------------------------------
    const stats::LayerMap map = stats::monotone_alignment(r.cka_debiased, r.rows, r.cols, rule.alignment_min_cka);
    r.b_to_a = map.b_to_a;
    std::vector<double> diag_values, diag_linear;
    for (std::int64_t lb = 0; lb < r.cols; ++lb) {
        ProfileEntry& e = r.profile[static_cast<std::size_t>(lb)];
        e.layer_a = r.b_to_a[static_cast<std::size_t>(lb)];
        if (e.layer_a >= 0) {
            e.debiased = r.cka_debiased[static_cast<std::size_t>(e.layer_a * r.cols + lb)];
            e.linear = r.cka_linear[static_cast<std::size_t>(e.layer_a * r.cols + lb)];
        }
        diag_values.push_back(e.debiased);
        diag_linear.push_back(e.linear);
    }
    // The diagonal figures' nulls: per draw, the mean and the max of the layers' shuffled values.
    std::vector<double> diag_null, peak_null;
    for (int s = 0; s < rule.cka_shuffles; ++s) {
        std::vector<double> v;
        for (std::int64_t lb = 0; lb < r.cols; ++lb) v.push_back(draws[static_cast<std::size_t>(lb)][static_cast<std::size_t>(s)]);
        diag_null.push_back(mean_of(v));
        peak_null.push_back(*std::max_element(v.begin(), v.end()));
    }
    r.peak_cka.name = "peak_cka_debiased";
    r.peak_cka.value = *std::max_element(diag_values.begin(), diag_values.end());
    fill_null(r.peak_cka, peak_null);
    r.diagonal_cka.name = "diagonal_cka_debiased";
    r.diagonal_cka.value = mean_of(diag_values);
    fill_null(r.diagonal_cka, diag_null);
    r.diagonal_cka_linear.name = "diagonal_cka_linear";
    r.diagonal_cka_linear.null_draws = 0;  // descriptive; its null is the debiased one's
    r.diagonal_cka_linear.value = mean_of(diag_linear);

    // ---- output agreement on the shared vocabulary ------------------------------------------------
    r.top1_agreement.name = "top1_agreement";
    r.js_divergence.name = "js_divergence";
    r.js_divergence.higher_is_closer = false;
    if (logp_a.rows() > 0 && logp_a.rows() == logp_b.rows() && logp_a.cols() == logp_b.cols()) {
        log_softmax_rows(logp_a);
        log_softmax_rows(logp_b);
        const AgreementFigures f = output_agreement(logp_a, logp_b);
        const AgreementNull null = agreement_permutation_null(logp_a, logp_b, rule.agreement_shuffles, rule.seed + 1000);
        r.agreement_computed = true;
        r.agreement_positions = f.positions;
        r.top1_agreement.value = f.top1;
        fill_null(r.top1_agreement, null.top1);
        r.js_divergence.value = f.js;
        fill_null(r.js_divergence, null.js);
    } else {
        r.agreement_note = r.shared_tokens < 2 ? "the two vocabularies share fewer than 2 tokens"
                                               : "no agreement positions requested";
    }
}

void apply_independent_ranges(ProbeResult& r, const IndependentRanges& ranges) {
    set_range(r.peak_cka, ranges.peak_cka);
    set_range(r.diagonal_cka, ranges.diagonal_cka);
    set_range(r.diagonal_cka_linear, ranges.diagonal_cka_linear);
    if (r.agreement_computed) {
        set_range(r.top1_agreement, ranges.top1_agreement);
        set_range(r.js_divergence, ranges.js_divergence);
    }
    r.null_ranges_source = ranges.source;
    r.ranges_measured_on = ranges.measured_on;
}

void note_calibration_overlap(ProbeResult& r, const IndependentRanges& ranges) {
    r.calibration_models_known = !ranges.models.empty();
    r.calibration_overlap.clear();
    for (const auto& [label, path] : {std::pair{"A", r.model_a}, {"B", r.model_b}})
        for (const auto& id : calibration_models_at(ranges, path))
            r.calibration_overlap.push_back(std::string(label) + " is calibration model " + id);
}

}  // namespace lineage::probes::activation
