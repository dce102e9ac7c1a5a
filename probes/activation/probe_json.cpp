// JSON of a ProbeResult (see probe_json.h).
#include "probes/activation/probe_json.h"

#include "weights/core/error.h"

namespace lineage::probes::activation {
namespace {

JsonValue figure_json(const CalibratedFigure& f) {
    JsonValue o = JsonValue::object();
    o.set("value", f.value);
    o.set("higher_is_closer", f.higher_is_closer);
    JsonValue n = JsonValue::object();
    n.set("kind", "row-shuffled");
    n.set("draws", f.null_draws);
    n.set("mean", f.null_mean);
    n.set("sd", f.null_sd);
    n.set(f.higher_is_closer ? "max" : "min", f.null_extreme);
    o.set("null", std::move(n));
    JsonValue i = JsonValue::object();
    i.set("lo", f.independent_lo);
    i.set("hi", f.independent_hi);
    i.set("pairs", f.independent_pairs);
    o.set("independent_range", std::move(i));
    o.set("beyond_null", f.beyond_null);
    o.set("beyond_independent", f.beyond_independent);
    return o;
}

JsonValue side_json(const ModelSide& s) {
    JsonValue o = JsonValue::object();
    o.set("path", s.path);
    o.set("architecture", s.architecture);
    o.set("layers", s.layers);
    o.set("hidden", s.hidden);
    o.set("vocab", s.vocab);
    o.set("tokenizer_sha256", s.tokenizer_sha256);
    o.set("tokens", s.tokens);
    o.set("seconds", s.seconds);
    return o;
}

JsonValue matrix_json(const std::vector<double>& v, std::int64_t rows, std::int64_t cols) {
    JsonValue m = JsonValue::array();
    for (std::int64_t i = 0; i < rows; ++i) {
        JsonValue row = JsonValue::array();
        for (std::int64_t j = 0; j < cols; ++j) row.push(v[static_cast<std::size_t>(i * cols + j)]);
        m.push(std::move(row));
    }
    return m;
}

}  // namespace

JsonValue probe_result_json(const ProbeResult& r) {
    JsonValue o = JsonValue::object();
    o.set("verdict", verdict_name(r.verdict));
    o.set("summary", r.summary);
    JsonValue reasons = JsonValue::array();
    for (const auto& s : r.reasons) reasons.push(s);
    o.set("reasons", std::move(reasons));
    o.set("model_a", side_json(r.a));
    o.set("model_b", side_json(r.b));

    JsonValue corpus = JsonValue::object();
    corpus.set("name", r.corpus_name);
    corpus.set("sha256", r.corpus_sha256);
    corpus.set("texts", r.texts);
    corpus.set("texts_aligned", r.texts_aligned);
    corpus.set("texts_normalised_differently", r.texts_normalised_differently);
    corpus.set("same_tokenizer", r.same_tokenizer);
    corpus.set("aligned_positions", r.aligned_positions);
    corpus.set("positions", r.positions);
    corpus.set("max_tokens_per_text", r.max_tokens_per_text);
    o.set("corpus", std::move(corpus));

    JsonValue cka = JsonValue::object();
    cka.set("rows", "A hidden layers 0..L (0 = embeddings)");
    cka.set("cols", "B hidden layers 0..L");
    cka.set("debiased", matrix_json(r.cka_debiased, r.rows, r.cols));
    cka.set("linear", matrix_json(r.cka_linear, r.rows, r.cols));
    o.set("cka", std::move(cka));

    JsonValue profile = JsonValue::array();
    for (const auto& e : r.profile) {
        JsonValue p = JsonValue::object();
        p.set("layer_b", e.layer_b);
        p.set("layer_a", e.layer_a);
        p.set("debiased", e.debiased);
        p.set("linear", e.linear);
        JsonValue n = JsonValue::object();
        n.set("mean", e.null_mean);
        n.set("sd", e.null_sd);
        n.set("max", e.null_max);
        p.set("null", std::move(n));
        profile.push(std::move(p));
    }
    o.set("diagonal_profile", std::move(profile));

    JsonValue figures = JsonValue::object();
    figures.set("peak_cka_debiased", figure_json(r.peak_cka));
    figures.set("diagonal_cka_debiased", figure_json(r.diagonal_cka));
    figures.set("diagonal_cka_linear", figure_json(r.diagonal_cka_linear));
    if (r.agreement_computed) {
        figures.set("top1_agreement", figure_json(r.top1_agreement));
        figures.set("js_divergence", figure_json(r.js_divergence));
    }
    o.set("figures", std::move(figures));

    JsonValue agreement = JsonValue::object();
    agreement.set("computed", r.agreement_computed);
    agreement.set("note", r.agreement_note);
    agreement.set("shared_tokens", r.shared_tokens);
    agreement.set("positions", r.agreement_positions);
    o.set("agreement", std::move(agreement));

    JsonValue params = JsonValue::object();
    params.set("seed", r.seed);
    params.set("cka_shuffles", r.cka_shuffles);
    params.set("agreement_shuffles", r.agreement_shuffles);
    params.set("rule", r.rule_source);
    params.set("null_ranges", r.null_ranges_source);
    JsonValue cal = JsonValue::object();
    cal.set("measured_on", r.ranges_measured_on);
    if (r.calibration_models_known) {
        cal.set("out_of_sample", r.calibration_overlap.empty());
        JsonValue overlap = JsonValue::array();
        for (const auto& o : r.calibration_overlap) overlap.push(o);
        cal.set("overlap", std::move(overlap));
    } else {
        cal.set("out_of_sample", JsonValue());
    }
    params.set("independent_ranges", std::move(cal));
    params.set("device", r.device);
    o.set("parameters", std::move(params));
    o.set("seconds", r.seconds);
    return o;
}

namespace {

double number_at(const JsonValue& o, const char* key, const std::string& where) {
    const JsonValue* v = o.is_object() ? o.find(key) : nullptr;
    if (!v || !v->is_number()) throw InputError(where, std::string("probe record: '") + key + "' missing or not a number");
    return v->as_double();
}

CalibratedFigure figure_from_json(const JsonValue& figures, const char* name, const std::string& where) {
    const JsonValue* f = figures.find(name);
    if (!f || !f->is_object()) throw InputError(where, std::string("probe record: figure '") + name + "' missing");
    CalibratedFigure c;
    c.name = name;
    c.value = number_at(*f, "value", where);
    const JsonValue* hic = f->find("higher_is_closer");
    c.higher_is_closer = hic && hic->is_bool() ? hic->as_bool() : true;
    const JsonValue* null = f->find("null");
    if (!null || !null->is_object()) throw InputError(where, std::string("probe record: '") + name + ".null' missing");
    c.null_draws = static_cast<int>(number_at(*null, "draws", where));
    c.null_mean = number_at(*null, "mean", where);
    c.null_sd = number_at(*null, "sd", where);
    c.null_extreme = number_at(*null, c.higher_is_closer ? "max" : "min", where);
    return c;
}

}  // namespace

ProbeResult probe_figures_from_json(const JsonValue& j, const std::string& where) {
    ProbeResult r;
    const JsonValue* figures = j.is_object() ? j.find("figures") : nullptr;
    if (!figures || !figures->is_object()) throw InputError(where, "probe record: 'figures' missing");
    r.peak_cka = figure_from_json(*figures, "peak_cka_debiased", where);
    r.diagonal_cka = figure_from_json(*figures, "diagonal_cka_debiased", where);
    r.diagonal_cka_linear = figure_from_json(*figures, "diagonal_cka_linear", where);
    const JsonValue* agreement = j.find("agreement");
    const JsonValue* computed = agreement && agreement->is_object() ? agreement->find("computed") : nullptr;
    r.agreement_computed = computed && computed->is_bool() && computed->as_bool();
    if (r.agreement_computed) {
        r.top1_agreement = figure_from_json(*figures, "top1_agreement", where);
        r.js_divergence = figure_from_json(*figures, "js_divergence", where);
    }
    if (const JsonValue* corpus = j.find("corpus"); corpus && corpus->is_object())
        r.positions = static_cast<std::int64_t>(number_at(*corpus, "positions", where));
    return r;
}

}  // namespace lineage::probes::activation
