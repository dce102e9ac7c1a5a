// JSON and text rendering of a comparison (see compare_format.h). Non-finite numbers (an exact
// reuse is infinitely strong evidence) are written as the strings "inf"/"nan": JSON has no such
// numbers.
#include "probes/weights/compare_format.h"

#include <cmath>
#include <sstream>

namespace lineage::probes::weights {
namespace {

JsonValue num(double v) {
    if (std::isnan(v)) return JsonValue("nan");
    if (std::isinf(v)) return JsonValue(v > 0 ? "inf" : "-inf");
    return JsonValue(v);
}

JsonValue ints(const std::vector<std::int32_t>& v) {
    JsonValue a = JsonValue::array();
    for (auto x : v) a.push(JsonValue(static_cast<int>(x)));
    return a;
}

std::string f(double v, int prec = 4) {
    std::ostringstream s;
    s.precision(prec);
    s << v;
    return s.str();
}

}  // namespace

JsonValue compare_to_json(const CompareResult& r) {
    JsonValue j = JsonValue::object();
    j.set("verdict", verdict_name(r.verdict));
    j.set("p_value", num(r.p_value));
    j.set("neg_log10_p", num(r.neg_log10_p));
    j.set("model_a", r.model_a);
    j.set("model_b", r.model_b);
    j.set("meaning", "derived: B's weights descend from A's or A's from B's");
    JsonValue reasons = JsonValue::array();
    for (const auto& s : r.reasons) reasons.push(s);
    j.set("reasons", reasons);
    j.set("summary", r.summary);
    JsonValue fam = JsonValue::object();
    fam.set("exact_reuse", r.exact_reuse);
    fam.set("comparable_layer_pairs", r.comparable_layer_pairs);
    fam.set("pearson_max_neg_log10_p", num(r.pearson_max_neg_log10_p));
    fam.set("neuron_matching_neg_log10_p", num(r.neuron_neg_log10_p));
    fam.set("attention_cka_neg_log10_p", num(r.attention_neg_log10_p));
    j.set("families", fam);
    JsonValue h = JsonValue::object();
    h.set("kind", r.hidden.kind);
    h.set("recovered", r.hidden.recovered);
    h.set("permutation_fit", num(r.hidden.permutation_fit));
    h.set("rotation_fit", num(r.hidden.rotation_fit));
    h.set("identity_fit", num(r.hidden.identity_fit));
    h.set("null_mean", num(r.hidden.null_mean));
    h.set("null_max", num(r.hidden.null_max));
    h.set("shared_tokens", r.hidden.shared_tokens);
    h.set("token_source", r.hidden.token_source);
    if (!r.hidden.source.empty()) h.set("source", r.hidden.source);
    if (!r.hidden.note.empty()) h.set("note", r.hidden.note);
    j.set("hidden_map", h);
    JsonValue layers = JsonValue::object();
    layers.set("monotone_b_to_a", ints(r.layer_map_b_to_a));
    layers.set("dropped_a", ints(r.dropped_layers_a));
    layers.set("best_match_b_to_a", ints(r.best_match_b_to_a));
    j.set("layer_map", layers);
    JsonValue stats = JsonValue::array();
    for (const auto& s : r.stats) {
        JsonValue o = JsonValue::object();
        o.set("family", s.family);
        o.set("statistic", s.statistic);
        o.set("component", s.component);
        o.set("layer_a", s.layer_a);
        o.set("layer_b", s.layer_b);
        if (s.expert_a != -1 || s.expert_b != -1) {
            o.set("expert_a", s.expert_a);
            o.set("expert_b", s.expert_b);
        }
        o.set("value", num(s.value));
        o.set("neg_log10_p", num(s.neg_log10_p));
        JsonValue nr = JsonValue::array();
        nr.push(num(s.null_lo));
        nr.push(num(s.null_hi));
        o.set("null_range", nr);
        o.set("null", s.null_kind);
        o.set("beyond_null", s.beyond_null);
        if (s.descriptive) o.set("descriptive", true);
        stats.push(o);
    }
    j.set("statistics", stats);
    JsonValue maps = JsonValue::array();
    for (const auto& m : r.heatmaps) {
        JsonValue o = JsonValue::object();
        o.set("statistic", m.statistic);
        o.set("rows", m.rows);
        o.set("cols", m.cols);
        JsonValue v = JsonValue::array();
        for (double x : m.values) v.push(std::isnan(x) ? JsonValue() : num(x));
        o.set("values", v);
        maps.push(o);
    }
    j.set("heatmaps", maps);
    JsonValue toks = JsonValue::array();
    for (const auto& t : r.tokens) {
        JsonValue o = JsonValue::object();
        o.set("component", t.component);
        o.set("mean_cos", num(t.mean_cos));
        o.set("null_q999", num(t.null_q999));
        o.set("fraction_agreeing", num(t.fraction_agreeing));
        JsonValue nb = JsonValue::array();
        for (const auto& b : t.blocks)
            if (b.is_new) {
                JsonValue x = JsonValue::array();
                x.push(b.begin);
                x.push(b.end);
                nb.push(x);
            }
        o.set("new_blocks", nb);
        toks.push(o);
    }
    j.set("tokens", toks);
    JsonValue wit = JsonValue::array();  // different widths only (lm_head_width.h)
    for (const auto& w : r.width_invariant_tokens) {
        JsonValue o = JsonValue::object();
        o.set("component", w.component);
        o.set("statistic", "median held-out canonical correlation");
        o.set("value", num(w.value));
        o.set("tokens", w.tokens);
        o.set("independent_ceiling", num(w.ceiling));
        o.set("derived_floor", num(w.derived_floor));
        o.set("calibration_pairs", w.calibration_pairs);
        o.set("calibration", w.calibration);
        o.set("control_value", num(w.control_value));
        o.set("control_detected", w.control_detected);
        o.set("relation", verdict_name(w.relation));
        o.set("silent", w.silent);
        o.set("tokens_per_width", num(w.tokens_per_width));
        o.set("min_tokens_per_width", num(w.min_tokens_per_width));
        o.set("note", w.note);
        wit.push(o);
    }
    j.set("width_invariant_tokens", wit);
    JsonValue desc = JsonValue::array();
    for (const auto& d : r.descriptive) {
        JsonValue o = JsonValue::object();
        o.set("name", d.name);
        o.set("value", num(d.value));
        JsonValue rr = JsonValue::array();
        rr.push(num(d.independent_lo));
        rr.push(num(d.independent_hi));
        o.set("independent_pair_range", rr);
        o.set("descriptive_only", d.why_misleading);
        desc.push(o);
    }
    j.set("descriptive", desc);
    JsonValue ctl = JsonValue::object();
    ctl.set("run", r.controls_run);
    JsonValue cl = JsonValue::array();
    for (const auto& c : r.controls) {
        JsonValue o = JsonValue::object();
        o.set("name", c.name);
        o.set("detected", c.detected);
        o.set("neg_log10_p", num(c.neg_log10_p));
        cl.push(o);
    }
    ctl.set("controls", cl);
    JsonValue sampled = JsonValue::array();
    for (const int l : r.control_layers) sampled.push(JsonValue(static_cast<double>(l)));
    ctl.set("built_from_layers_of_a", sampled);  // empty: every layer
    j.set("positive_controls", ctl);
    j.set("language_model_verdict", verdict_name(r.language_model_verdict));
    JsonValue towers = JsonValue::array();
    for (const auto& t : r.towers) {
        JsonValue o = JsonValue::object();
        o.set("tower", t.tower);
        o.set("verdict", verdict_name(t.verdict));
        o.set("reason", t.reason);
        o.set("tensors_a", t.tensors_a);
        o.set("tensors_b", t.tensors_b);
        o.set("pairs", t.pairs);
        o.set("exact_reuse", t.exact_reuse);
        o.set("neg_log10_p", num(t.neg_log10_p));
        o.set("median_pearson", num(t.median_pearson));
        o.set("control_detected", t.control_detected);
        JsonValue blocks = JsonValue::array();
        for (const auto& b : t.blocks) {
            JsonValue x = JsonValue::object();
            x.set("block", b.block);
            x.set("pairs", b.pairs);
            x.set("max_pearson", num(b.max_pearson));
            x.set("max_neg_log10_p", num(b.max_neg_log10_p));
            blocks.push(x);
        }
        o.set("blocks", blocks);
        towers.push(o);
    }
    j.set("towers", towers);
    JsonValue experts = JsonValue::array();  // expert_matching.h
    for (const auto& e : r.expert_layers) {
        JsonValue o = JsonValue::object();
        o.set("layer_a", e.layer_a);
        o.set("layer_b", e.layer_b);
        o.set("kind", e.kind);
        o.set("blocks_a", e.blocks_a);
        o.set("blocks_b", e.blocks_b);
        o.set("descended", e.descended);
        o.set("upcycled", e.upcycled);
        o.set("combined_neg_log10_p", num(e.combined_neg_log10_p));
        o.set("selection", e.selection);
        JsonValue pairs = JsonValue::array();
        for (std::size_t i = 0; i < e.expert_b.size(); ++i) {
            JsonValue x = JsonValue::object();
            x.set("expert_b", e.expert_b[i]);
            x.set("matched_a", e.matched_a[i]);
            x.set("neg_log10_p", num(e.neg_log10_p[i]));
            x.set("spearman", num(e.spearman[i]));
            pairs.push(x);
        }
        o.set("blocks", pairs);
        experts.push(o);
    }
    j.set("expert_layers", experts);
    JsonValue rec = JsonValue::object();
    rec.set("seed", r.seed);
    rec.set("cka_shuffles", r.cka_shuffles);
    rec.set("rule", r.rule_source);
    rec.set("seconds", num(r.seconds));
    JsonValue stages = JsonValue::object();
    for (const auto& [name, sec] : r.stage_seconds) stages.set(name, num(sec));
    rec.set("stage_seconds", stages);
    j.set("record", rec);
    return j;
}

std::string compare_to_text(const CompareResult& r) {
    std::ostringstream o;
    o << "verdict: " << verdict_name(r.verdict) << "   (-log10 p = " << f(r.neg_log10_p) << ")\n";
    for (const auto& s : r.reasons) o << "  - " << s << "\n";
    o << "\n" << r.summary << "\n\n";
    o << "hidden map: " << r.hidden.kind << " (permutation fit " << f(r.hidden.permutation_fit)
      << ", rotation fit " << f(r.hidden.rotation_fit) << ", null max " << f(r.hidden.null_max)
      << "; " << (r.hidden.source.empty() ? r.hidden.token_source : r.hidden.source) << ")\n";
    o << "layer map (B -> A):";
    for (auto a : r.layer_map_b_to_a) o << " " << (a < 0 ? std::string("-") : std::to_string(a));
    o << "   dropped A layers:";
    for (auto a : r.dropped_layers_a) o << " " << a;
    o << "\n\n";
    o << "family           component          layers   value     -log10p   null range\n";
    for (const auto& s : r.stats) {
        if (s.family == "pearson" && !s.beyond_null && s.layer_a != s.layer_b) continue;
        if (s.statistic.find(" tower: ") != std::string::npos) continue;  // summarised per tower below
        std::ostringstream line;
        line.setf(std::ios::left);
        line.width(17);
        line << s.family;
        line.width(19);
        line << s.component.substr(0, 18);
        line.width(9);
        line << (std::to_string(s.layer_a) + "/" + std::to_string(s.layer_b));
        line.width(10);
        line << f(s.value);
        line.width(10);
        line << f(s.neg_log10_p);
        line << "[" << f(s.null_lo, 3) << ", " << f(s.null_hi, 3) << "]" << (s.beyond_null ? " *" : "");
        o << line.str() << "\n";
    }
    for (const auto& t : r.tokens) {
        o << "\ntokens " << t.component << ": mean cos " << f(t.mean_cos) << ", "
          << f(100 * t.fraction_agreeing, 3) << "% beyond the random-pair 99.9% quantile ("
          << f(t.null_q999) << ")";
        int nnew = 0;
        for (const auto& b : t.blocks) nnew += b.is_new;
        if (nnew) {
            o << "; new blocks:";
            for (const auto& b : t.blocks)
                if (b.is_new) o << " [" << b.begin << "," << b.end << ")";
        }
        o << "\n";
    }
    for (const auto& w : r.width_invariant_tokens)
        o << "\nwidth-invariant " << w.component << ": " << verdict_name(w.relation) << " - " << w.note << "\n";
    if (!r.towers.empty()) o << "\nlanguage model alone: " << verdict_name(r.language_model_verdict) << "\n";
    for (const auto& t : r.towers) {
        o << "tower " << t.tower << ": " << verdict_name(t.verdict) << " - " << t.reason << " (" << t.pairs
          << " pairs of " << t.tensors_a << "/" << t.tensors_b << " tensors, median Pearson "
          << f(t.median_pearson, 3) << ", -log10 p " << f(t.neg_log10_p) << ")\n";
        if (!t.blocks.empty()) {
            o << "  per block (max Pearson):";
            for (const auto& b : t.blocks)
                o << " " << (b.block < 0 ? std::string("top") : std::to_string(b.block)) << "=" << f(b.max_pearson, 2);
            o << "\n";
        }
    }
    for (const auto& e : r.expert_layers) {  // expert_matching.h; -1 = dense MLP, -2 = shared expert
        o << "experts, A layer " << e.layer_a << " / B layer " << e.layer_b << " (" << e.kind << "): " << e.descended
          << " of " << e.expert_b.size() << " B blocks descend from A" << (e.upcycled ? " - upcycled from A's dense MLP" : "")
          << "; B<-A:";
        for (std::size_t i = 0; i < e.expert_b.size(); ++i)
            o << " " << e.expert_b[i] << "<-" << e.matched_a[i] << " (" << f(e.neg_log10_p[i]) << ")";
        o << "\n";
    }
    o << "\ndescriptive only (misleading on their own):\n";
    for (const auto& d : r.descriptive)
        o << "  " << d.name << " = " << f(d.value) << "   independent pairs: [" << f(d.independent_lo)
          << ", " << f(d.independent_hi) << "]   - " << d.why_misleading << "\n";
    if (r.controls_run) {
        o << "\npositive controls from A:";
        for (const auto& c : r.controls)
            o << " " << c.name << "=" << (c.detected ? "detected" : "MISSED") << " (" << f(c.neg_log10_p)
              << ")";
        if (!r.control_layers.empty()) {
            o << "\n  built from " << r.control_layers.size() << " of A's " << r.layers_a
              << " layers (evenly spaced:";
            for (const int l : r.control_layers) o << " " << l;
            o << "); fewer layers give less evidence, so a control detected there is detected on the whole model";
        }
        o << "\n";
    }
    o << "\nseed " << r.seed << ", " << r.cka_shuffles << " CKA shuffles, rule " << r.rule_source
      << ", " << f(r.seconds, 3) << " s\n";
    return o.str();
}

}  // namespace lineage::probes::weights
