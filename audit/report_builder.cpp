// Report filling: one function per part of the report, in the order a reviewer reads it.
#include "audit/report_builder.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "audit/verdict/component_names.h"
#include "lineage/build_info.h"
#include "probes/weights/compare_result.h"
#include "reports/number_format.h"

namespace lineage::audit {

namespace {

using reports::format;
using reports::Language;
using reports::message;
using reports::Relation;

std::string msg(Language lang, std::string_view key) {
    return std::string(message(lang, key));
}

std::string range_text(const std::optional<NullRange>& r) {
    if (!r) return "";
    return reports::fixed(r->low, 3) + "–" + reports::fixed(r->high, 3);
}

std::string power_text(const std::optional<Power>& p) {
    if (!p || p->controls == 0) return "";
    return std::to_string(p->detected) + "/" + std::to_string(p->controls);
}

std::string relation_word(Language lang, FindingKind kind, std::string_view relation) {
    std::string key =
        "relation." + std::string(finding_kind_name(kind)) + "." + std::string(relation);
    return reports::has_message(lang, key) ? msg(lang, key) : std::string(relation);
}

const std::string& description_in(Language lang, const std::string& en, const std::string& ko) {
    return lang == Language::ko && !ko.empty() ? ko : en;
}

std::string component_reason(Language lang, const ComponentVerdict& c) {
    std::string key = "reason." + std::string(component_reason_name(c.reason));
    std::string threshold = reports::p_value_text(c.threshold);
    // "= 0.042" or "< 1e-300": the relation is part of the figure.
    std::string p = reports::p_value_text(c.p_value);
    if (p.rfind("<", 0) != 0) p = "= " + p;
    std::string power = power_text(c.power);
    std::string base = c.source_base;
    std::string text = format(lang, key, {p, threshold, power, base});
    // Different hidden widths: say what the width-invariant token statistic showed.
    if (c.statistic == probes::weights::kWidthInvariantStatistic && c.strength && c.null_range)
        text += " " + format(lang, "reason.width-invariant-tokens",
                             {reports::fixed(*c.strength, 3), reports::fixed(c.null_range->high, 3),
                              c.power ? c.power->detail : std::string("-")});
    if (c.statistic == probes::weights::kWidthInvariantStatisticSilent && c.strength && c.null_range)
        text += " " + format(lang, "reason.width-invariant-tokens-silent",
                             {reports::fixed(*c.strength, 1), reports::fixed(c.null_range->low, 1)});
    return text;
}

// ---- banner -----------------------------------------------------------------------------------

std::string verdict_reason(Language lang, const AuditResult& r) {
    const ModelVerdict& v = r.verdict;
    const std::string total = std::to_string(r.components.size());
    switch (v.reason) {
        case ModelReason::rule_failed: {
            const RuleHit* first = nullptr;
            for (const auto& h : v.hits) {
                if (h.severity == Severity::fail) {
                    first = &h;
                    break;
                }
            }
            if (first && first->kind == FindingKind::weight_lineage) {
                std::string source = first->base_component.empty()
                                         ? first->base
                                         : first->base + ": " + first->base_component;
                return format(lang, "verdict.fail.derived",
                              {std::to_string(v.derived), total, first->component, source});
            }
            return format(
                lang, "verdict.fail.rule",
                {first ? first->rule_id : "",
                 first ? description_in(lang, first->description, first->description_ko) : ""});
        }
        case ModelReason::no_comparison:
            return r.bases.empty() ? msg(lang, "verdict.no_bases")
                                   : msg(lang, "verdict.no_comparison");
        case ModelReason::undecided_components:
            if (v.outcome == reports::Outcome::pass && v.inconclusive == v.not_compared) {
                std::string names;  // the components no base has, e.g. "vision, projector"
                for (const auto& c : r.components)
                    if (c.reason == ComponentReason::not_compared)
                        names += (names.empty() ? "" : ", ") + c.component;
                return format(lang, "verdict.pass.uncompared",
                              {std::to_string(v.not_compared), total, names});
            }
            if (v.outcome == reports::Outcome::pass) {
                return format(lang, "verdict.pass.ignored",
                              {std::to_string(v.inconclusive), total});
            }
            return format(lang, "verdict.undecided", {std::to_string(v.inconclusive), total});
        case ModelReason::all_independent:
            if (v.warnings > 0) {
                return format(lang, "verdict.pass.warnings",
                              {total, std::to_string(r.bases.size()), std::to_string(v.warnings)});
            }
            return format(lang, "verdict.pass", {total, std::to_string(r.bases.size())});
    }
    return "";
}

// ---- machine record -----------------------------------------------------------------------------

std::vector<reports::ComponentRecord> component_records(Language lang, const AuditResult& r) {
    std::vector<reports::ComponentRecord> out;
    for (const auto& c : r.components) {
        reports::ComponentRecord rec;
        rec.name = c.component;
        rec.relation = c.relation;
        rec.source_base = c.source_base;
        rec.source_component = c.source_component;
        rec.p_value = c.p_value;
        rec.statistic = c.statistic;
        rec.statistic_value = c.strength;
        rec.power = power_text(c.power);
        rec.reason = component_reason(lang, c);
        out.push_back(std::move(rec));
    }
    return out;
}

// "layers.0.mlp, layers.1.mlp, layers.2.mlp, embeddings" -> "embeddings, layers.0–2.mlp": runs of
// consecutive layers with the same part collapse into a range, so that a finding about every block
// reads as one line.
std::string summarize_components(std::vector<std::string> names) {
    sort_components(names);
    // Layer components grouped by part (in order of first appearance); anything else kept as is.
    std::vector<std::string> order;  // a part as "\x01part", or a plain name
    std::map<std::string, std::vector<long>> layers_of;
    for (const auto& n : names) {
        std::size_t dot = n.rfind("layers.", 0) == 0 ? n.find('.', 7) : std::string::npos;
        bool digits = dot != std::string::npos && dot > 7 &&
                      std::all_of(n.begin() + 7, n.begin() + static_cast<std::ptrdiff_t>(dot),
                                  [](char c) { return c >= '0' && c <= '9'; });
        if (!digits || dot - 7 > 9) {
            order.push_back(n);
            continue;
        }
        std::string part = n.substr(dot + 1);
        if (!layers_of.count(part)) order.push_back("\x01" + part);
        layers_of[part].push_back(std::stol(n.substr(7, dot - 7)));
    }
    std::string out;
    auto add = [&out](const std::string& piece) { out += (out.empty() ? "" : ", ") + piece; };
    for (const auto& key : order) {
        if (key.empty() || key[0] != '\x01') {
            add(key);
            continue;
        }
        std::string part = key.substr(1);
        const auto& layers = layers_of[part];
        for (std::size_t i = 0; i < layers.size();) {
            std::size_t j = i;
            while (j + 1 < layers.size() && layers[j + 1] == layers[j] + 1) ++j;
            add(j == i ? layer_component(static_cast<int>(layers[i]), part)
                       : "layers." + std::to_string(layers[i]) + "–" + std::to_string(layers[j]) +
                             "." + part);
            i = j + 1;
        }
    }
    return out;
}

// One line per (rule, base, relation): a rule that matched every block is one finding, not forty.
std::vector<reports::PolicyFinding> policy_findings(Language lang, const AuditResult& r) {
    struct Group {
        const RuleHit* first;
        std::vector<std::string> components;
        std::optional<double> max_p;
        int count = 0;
    };
    std::vector<Group> groups;
    for (const auto& h : r.verdict.hits) {
        auto it = std::find_if(groups.begin(), groups.end(), [&](const Group& g) {
            return g.first->rule_id == h.rule_id && g.first->base == h.base &&
                   g.first->relation == h.relation;
        });
        if (it == groups.end()) {
            groups.push_back({&h, {}, std::nullopt, 0});
            it = groups.end() - 1;
        }
        if (!h.component.empty()) it->components.push_back(h.component);
        if (h.p_value && (!it->max_p || *h.p_value > *it->max_p)) it->max_p = h.p_value;
        ++it->count;
    }
    std::vector<reports::PolicyFinding> out;
    for (const auto& g : groups) {
        const RuleHit& h = *g.first;
        reports::PolicyFinding f;
        f.rule = h.rule_id;
        f.severity = std::string(severity_name(h.severity));
        f.kind = std::string(finding_kind_name(h.kind));
        f.component = summarize_components(g.components);
        f.components = g.components;
        sort_components(f.components);
        f.base = h.base;
        std::string detail = relation_word(lang, h.kind, h.relation);
        if (!h.base.empty()) {
            detail +=
                ", " + (g.count == 1 && !h.base_component.empty() ? h.base + ": " + h.base_component
                                                                  : h.base);
        }
        if (g.max_p)
            detail += (g.count == 1 ? ", p = " : ", p ≤ ") + reports::p_value_text(g.max_p);
        f.message = format(lang, "policy.hit",
                           {description_in(lang, h.description, h.description_ko), detail});
        out.push_back(std::move(f));
    }
    return out;
}

reports::ReproRecord repro_record(const AuditResult& r) {
    reports::ReproRecord rec = tool_repro_record(r.generated_at, r.command);
    rec.artifacts.push_back({"candidate", r.candidate.label, r.candidate.path, r.candidate.digest});
    for (const auto& b : r.bases) rec.artifacts.push_back({"base", b.label, b.path, b.digest});
    rec.artifacts.push_back({"policy", r.policy.name, r.policy.source, r.policy.digest});
    rec.policy_name = r.policy.name;
    rec.policy_version = r.policy.version;
    rec.parameters = r.evidence.parameters;
    rec.parameters.emplace_back("policy.derived_alpha",
                                reports::json_number(r.policy.derived_alpha));
    rec.parameters.emplace_back("policy.bonferroni", r.policy.bonferroni ? "true" : "false");
    rec.parameters.emplace_back("policy.require_power", r.policy.require_power ? "true" : "false");
    if (!r.components.empty()) {
        rec.parameters.emplace_back("audit.derived_threshold",
                                    reports::json_number(r.components.front().threshold));
    }
    rec.seeds = r.evidence.seeds;
    return rec;
}

// ---- sections -----------------------------------------------------------------------------------

reports::Section summary_section(Language lang, const AuditResult& r) {
    reports::Section s{"summary", msg(lang, "section.summary"), {}};
    const ModelVerdict& v = r.verdict;
    s.blocks.push_back(reports::Paragraph{
        format(lang, "summary.counts",
               {std::to_string(r.components.size()), std::to_string(r.bases.size()),
                std::to_string(v.derived), std::to_string(v.independent),
                std::to_string(v.inconclusive)})});
    const std::string& desc = description_in(lang, r.policy.description, r.policy.description_ko);
    if (!desc.empty()) {
        s.blocks.push_back(reports::Paragraph{
            format(lang, "summary.policy", {r.policy.name, r.policy.version, desc})});
    }
    reports::KeyValueList kv;
    kv.items.emplace_back(
        msg(lang, "summary.candidate"),
        r.candidate.label +
            (r.candidate.architecture.empty() ? "" : " (" + r.candidate.architecture + ")"));
    if (r.candidate.parameters > 0) {
        kv.items.emplace_back(msg(lang, "summary.parameters"),
                              reports::grouped(r.candidate.parameters));
    }
    std::string bases;
    for (const auto& b : r.bases) {
        bases += (bases.empty() ? "" : ", ") + b.label +
                 (b.architecture.empty() ? "" : " (" + b.architecture + ")");
    }
    kv.items.emplace_back(msg(lang, "summary.bases"),
                          bases.empty() ? msg(lang, "summary.none") : bases);
    if (!r.components.empty()) {
        kv.items.emplace_back(msg(lang, "summary.threshold"),
                              format(lang, "summary.threshold_value",
                                     {reports::p_value_text(r.components.front().threshold),
                                      reports::json_number(r.policy.derived_alpha)}));
    }
    kv.items.emplace_back(msg(lang, "summary.power"),
                          msg(lang, r.policy.require_power ? "summary.power_required"
                                                           : "summary.power_not_required"));
    s.blocks.push_back(std::move(kv));
    for (const auto& sk : r.evidence.skipped) {
        std::string text = format(lang, sk.reason_key, {sk.base, sk.detail});
        s.blocks.push_back(reports::Note{
            reports::NoteKind::warning,
            format(lang, "audit.skip.title", {msg(lang, "probe." + sk.probe)}), text});
    }
    return s;
}

reports::Heatmap heatmap_of(Language lang, const SimilarityMatrix& m) {
    reports::Heatmap h;
    std::string role =
        reports::has_message(lang, "role." + m.role) ? msg(lang, "role." + m.role) : m.role;
    h.title = format(lang, "evidence.heatmap.title", {role, m.base});
    h.caption = msg(lang, m.alignment.empty() ? "evidence.heatmap.caption"
                                              : "evidence.heatmap.caption_aligned");
    h.row_label = msg(lang, "evidence.heatmap.rows");
    h.column_label = format(lang, "evidence.heatmap.columns", {m.base});
    for (int i = 0; i < m.rows; ++i) h.row_ticks.push_back(std::to_string(i));
    for (int j = 0; j < m.columns; ++j) h.column_ticks.push_back(std::to_string(j));
    h.values = m.values;
    h.values.resize(static_cast<std::size_t>(m.rows) * static_cast<std::size_t>(m.columns), NAN);
    h.scale_min = m.scale_min;
    h.scale_max = m.scale_max;
    h.value_label = m.statistic;
    h.marked = m.alignment;
    return h;
}

reports::Section evidence_section(Language lang, const AuditResult& r) {
    reports::Section s{"weight-evidence", msg(lang, "section.evidence"), {}};
    s.blocks.push_back(reports::Paragraph{msg(lang, "evidence.intro")});
    std::vector<const Finding*> weight;
    for (const auto& f : r.evidence.findings) {
        if (f.kind == FindingKind::weight_lineage) weight.push_back(&f);
    }
    if (weight.empty()) {
        s.blocks.push_back(reports::Paragraph{msg(lang, "evidence.none")});
        for (const auto& m : r.evidence.matrices) s.blocks.push_back(heatmap_of(lang, m));
        return s;
    }
    std::stable_sort(weight.begin(), weight.end(), [](const Finding* a, const Finding* b) {
        if (a->component != b->component) return component_before(a->component, b->component);
        return a->base < b->base;
    });

    // One row per base: how its comparison came out, and the strongest evidence against
    // independence.
    reports::Table per_base;
    per_base.caption = msg(lang, "evidence.bases.caption");
    per_base.columns = {msg(lang, "evidence.col.base"),       msg(lang, "ui.relation.derived"),
                        msg(lang, "ui.relation.independent"), msg(lang, "ui.relation.inconclusive"),
                        msg(lang, "evidence.col.strongest"),  msg(lang, "ui.col.p_value")};
    per_base.numeric = {false, true, true, true, false, true};
    for (const auto& b : r.bases) {
        int counts[3] = {0, 0, 0};
        const Finding* strongest = nullptr;
        for (const Finding* f : weight) {
            if (f->base != b.label) continue;
            ++counts[f->relation == "derived" ? 0 : f->relation == "independent" ? 1 : 2];
            bool exact = f->relation == "derived" && !f->p_value;
            bool stronger = !strongest || (exact && strongest->p_value) ||
                            (f->p_value && strongest->p_value && *f->p_value < *strongest->p_value);
            if (stronger) strongest = f;
        }
        if (counts[0] + counts[1] + counts[2] == 0) continue;
        per_base.rows.push_back(
            {{b.label, reports::Tone::neutral},
             {std::to_string(counts[0]), counts[0] ? reports::Tone::bad : reports::Tone::muted},
             {std::to_string(counts[1]), reports::Tone::neutral},
             {std::to_string(counts[2]), counts[2] ? reports::Tone::warn : reports::Tone::muted},
             {strongest ? strongest->component : "", reports::Tone::neutral},
             {strongest ? (strongest->relation == "derived" && !strongest->p_value
                               ? msg(lang, "evidence.exact")
                               : reports::p_value_text(strongest->p_value))
                        : "",
              reports::Tone::neutral}});
    }
    if (!per_base.rows.empty()) s.blocks.push_back(std::move(per_base));
    for (const auto& m : r.evidence.matrices) s.blocks.push_back(heatmap_of(lang, m));

    // Every finding, the deciding statistic beside its null range (folded: it is long).
    reports::Table t;
    t.caption = msg(lang, "evidence.table.caption");
    t.collapsible = true;
    t.columns = {msg(lang, "ui.col.component"),  msg(lang, "evidence.col.base"),
                 msg(lang, "ui.col.relation"),   msg(lang, "ui.col.statistic"),
                 msg(lang, "evidence.col.null"), msg(lang, "ui.col.p_value"),
                 msg(lang, "ui.col.power"),      msg(lang, "evidence.col.evidence")};
    t.numeric = {false, false, false, false, true, true, true, false};
    t.wide = {false, false, false, false, false, false, false, true};
    for (const Finding* f : weight) {
        Relation rel = f->relation == "derived"       ? Relation::derived
                       : f->relation == "independent" ? Relation::independent
                                                      : Relation::inconclusive;
        std::string stat = f->statistic;
        if (!stat.empty() && f->strength) stat.append(" ").append(reports::fixed(*f->strength, 3));
        std::string base = f->base_component.empty() ? f->base : f->base + ": " + f->base_component;
        t.rows.push_back({{f->component, reports::Tone::neutral},
                          {base, reports::Tone::neutral},
                          {relation_word(lang, FindingKind::weight_lineage, f->relation),
                           reports::relation_tone(rel)},
                          {stat, reports::Tone::neutral},
                          {range_text(f->null_range), reports::Tone::muted},
                          {reports::p_value_text(f->p_value), reports::Tone::neutral},
                          {power_text(f->power), reports::Tone::neutral},
                          {f->evidence, reports::Tone::neutral}});
    }
    s.blocks.push_back(std::move(t));
    return s;
}

reports::Section tokenizer_section(Language lang, const AuditResult& r) {
    reports::Section s{"tokenizer", msg(lang, "section.tokenizer"), {}};
    s.blocks.push_back(reports::Paragraph{msg(lang, "tokenizer.intro")});
    if (r.evidence.tokenizers.empty()) {
        s.blocks.push_back(reports::Paragraph{msg(lang, "tokenizer.none")});
        return s;
    }
    reports::Table t;
    t.columns = {msg(lang, "evidence.col.base"),        msg(lang, "ui.col.relation"),
                 msg(lang, "tokenizer.col.vocab"),      msg(lang, "tokenizer.col.shared"),
                 msg(lang, "tokenizer.col.jaccard"),    msg(lang, "tokenizer.col.order"),
                 msg(lang, "tokenizer.col.order_null"), msg(lang, "evidence.col.evidence")};
    t.numeric = {false, false, true, true, true, true, true, false};
    t.wide = {false, false, false, false, false, false, false, true};
    reports::Chart chart;
    chart.kind = reports::ChartKind::bar;
    chart.title = msg(lang, "tokenizer.chart.title");
    chart.caption = msg(lang, "tokenizer.chart.caption");
    chart.x_label = msg(lang, "tokenizer.chart.x");
    chart.y_label = msg(lang, "tokenizer.chart.y");
    reports::Series jac{msg(lang, "tokenizer.col.jaccard"), {}, reports::Tone::neutral};
    reports::Series con{msg(lang, "tokenizer.col.containment"), {}, reports::Tone::neutral};
    reports::Series ord{msg(lang, "tokenizer.col.order"), {}, reports::Tone::neutral};
    std::optional<NullRange> order_null;
    for (const auto& tc : r.evidence.tokenizers) {
        bool reused = tc.relation != "independent";
        t.rows.push_back(
            {{tc.base, reports::Tone::neutral},
             {relation_word(lang, FindingKind::tokenizer, tc.relation),
              reused ? reports::Tone::warn : reports::Tone::good},
             {reports::grouped(tc.candidate_vocab) + " / " + reports::grouped(tc.base_vocab),
              reports::Tone::neutral},
             {reports::grouped(tc.shared), reports::Tone::neutral},
             {tc.jaccard ? reports::fixed(*tc.jaccard, 3) : "n/a", reports::Tone::neutral},
             {tc.order_preservation ? reports::fixed(*tc.order_preservation, 3) : "n/a",
              reports::Tone::neutral},
             {range_text(tc.order_null), reports::Tone::muted},
             {tc.explanation, reports::Tone::neutral}});
        chart.categories.push_back(tc.base);
        jac.values.push_back(tc.jaccard.value_or(NAN));
        con.values.push_back(tc.containment.value_or(NAN));
        ord.values.push_back(tc.order_preservation.value_or(NAN));
        if (tc.order_null && !order_null) order_null = tc.order_null;
    }
    chart.series = {jac, con, ord};
    if (order_null) {
        chart.bands.push_back(
            {msg(lang, "tokenizer.chart.band"), order_null->low, order_null->high});
    }
    s.blocks.push_back(std::move(t));
    s.blocks.push_back(std::move(chart));
    s.blocks.push_back(reports::Note{reports::NoteKind::info, msg(lang, "tokenizer.note.title"),
                                     msg(lang, "tokenizer.note.text")});
    return s;
}

reports::Section behaviour_section(Language lang, const AuditResult& r) {
    reports::Section s{"behaviour", msg(lang, "section.behaviour"), {}};
    s.blocks.push_back(reports::Paragraph{msg(lang, "behaviour.intro")});
    if (r.evidence.activations.empty()) {
        s.blocks.push_back(reports::Note{reports::NoteKind::info,
                                         msg(lang, "behaviour.absent.title"),
                                         msg(lang, "behaviour.absent.text")});
        return s;
    }
    reports::Chart chart;
    chart.kind = reports::ChartKind::line;
    chart.title = msg(lang, "behaviour.chart.title");
    chart.caption = msg(lang, "behaviour.chart.caption");
    chart.x_label = msg(lang, "behaviour.chart.x");
    chart.y_label = msg(lang, "behaviour.chart.y");
    std::size_t layers = 0;
    for (const auto& a : r.evidence.activations) layers = std::max(layers, a.cka_diagonal.size());
    for (std::size_t i = 0; i < layers; ++i) chart.categories.push_back(std::to_string(i));
    for (const auto& a : r.evidence.activations) {
        reports::Series se{a.base, a.cka_diagonal, reports::Tone::neutral};
        se.values.resize(layers, NAN);
        chart.series.push_back(std::move(se));
        if (a.independent_range && chart.bands.empty()) {
            chart.bands.push_back({msg(lang, "behaviour.chart.band"), a.independent_range->low,
                                   a.independent_range->high});
        }
    }
    s.blocks.push_back(std::move(chart));
    return s;
}

reports::Section pitfalls_section(Language lang, const AuditResult& r) {
    reports::Section s{"pitfalls", msg(lang, "section.pitfalls"), {}};
    s.blocks.push_back(reports::Paragraph{msg(lang, "pitfalls.intro")});
    auto notes = applicable_pitfalls(r.evidence.figures, r.evidence.findings);
    for (const auto& n : notes) {
        std::string text = msg(lang, n.pitfall->text_key);
        for (const auto& f : n.figures) {
            std::string where = f.scope.empty() ? f.base : f.base + ", " + f.scope;
            text += ' ';
            text +=
                f.independent_range
                    ? format(lang, "pitfalls.figure_with_range",
                             {where, reports::fixed(f.value, 3), range_text(f.independent_range)})
                    : format(lang, "pitfalls.figure", {where, reports::fixed(f.value, 3)});
        }
        s.blocks.push_back(
            reports::Note{reports::NoteKind::pitfall, msg(lang, n.pitfall->title_key), text});
    }
    if (notes.empty()) {
        s.blocks.push_back(reports::Paragraph{msg(lang, "pitfalls.none")});
        // Still name them, briefly: a reviewer comparing with public claims needs the list.
        reports::KeyValueList kv;
        for (const auto& p : known_pitfalls())
            kv.items.emplace_back(msg(lang, p.title_key), msg(lang, p.text_key));
        s.blocks.push_back(std::move(kv));
    }
    return s;
}

reports::Section guide_section(Language lang, const AuditResult& r) {
    reports::Section s{"how-to-read", msg(lang, "section.guide"), {}};
    s.blocks.push_back(reports::Paragraph{msg(lang, "guide.intro")});
    reports::KeyValueList terms;
    terms.title = msg(lang, "guide.terms");
    for (std::string_view k : {"derived", "independent", "inconclusive", "p_value", "null_range",
                               "power", "policy", "heatmap", "behaviour", "reproduce"}) {
        terms.items.emplace_back(msg(lang, "guide.term." + std::string(k)),
                                 msg(lang, "guide.text." + std::string(k)));
    }
    s.blocks.push_back(std::move(terms));
    s.blocks.push_back(reports::Note{reports::NoteKind::info, msg(lang, "guide.exit.title"),
                                     msg(lang, "guide.exit.text")});
    (void)r;
    return s;
}

}  // namespace

reports::Report build_report(const AuditResult& result, Language lang) {
    reports::Report report;
    report.language = lang;
    report.title = msg(lang, "report.title");
    report.subject = result.candidate.label == result.candidate.path
                         ? result.candidate.path
                         : result.candidate.label + " — " + result.candidate.path;
    report.verdict.outcome = result.verdict.outcome;
    report.verdict.reason = verdict_reason(lang, result);
    report.components = component_records(lang, result);
    report.policy_findings = policy_findings(lang, result);
    report.repro = repro_record(result);
    report.sections.push_back(summary_section(lang, result));
    report.sections.push_back(evidence_section(lang, result));
    report.sections.push_back(tokenizer_section(lang, result));
    report.sections.push_back(behaviour_section(lang, result));
    report.sections.push_back(pitfalls_section(lang, result));
    report.sections.push_back(guide_section(lang, result));
    return report;
}

reports::ReproRecord tool_repro_record(const std::string& generated_at, const std::string& command) {
    reports::ReproRecord rec;
    rec.tool_version = build_info::version;
    rec.git_revision = build_info::git_revision;
    rec.build_type = build_info::build_type;
    rec.compiler = build_info::compiler;
    rec.cuda_built = build_info::cuda_built;
    rec.generated_at = generated_at;
    rec.command = command;
    return rec;
}

}  // namespace lineage::audit
