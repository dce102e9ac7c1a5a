// The chain report (see the header).
#include "audit/chain/chain_report.h"

#include <algorithm>
#include <cmath>

#include "audit/report_builder.h"
#include "reports/number_format.h"

namespace lineage::audit {
namespace {

using reports::Language;
using reports::Tone;
namespace pw = probes::weights;

std::string msg(Language lang, std::string_view key) { return std::string(reports::message(lang, key)); }

std::string step_text(const ChainResult& r, std::size_t i) {
    return std::to_string(r.checkpoints[i].entry.step);
}

std::string relation_word(Language lang, const std::string& verdict) {
    const std::string key = "ui.relation." + verdict;
    if (reports::has_message(lang, key)) return msg(lang, key);
    const std::string other = "chain.relation." + verdict;
    return reports::has_message(lang, other) ? msg(lang, other) : verdict;
}

Tone link_tone(LinkStatus s) {
    switch (s) {
        case LinkStatus::descends: return Tone::good;
        case LinkStatus::broken: return Tone::bad;
        default: return Tone::warn;
    }
}

std::string evidence_text(const ProbeRelation& p) {
    if (p.verdict == "incompatible" || p.verdict == "not-compared") return "n/a";
    if (!std::isfinite(p.neg_log10_p) || p.neg_log10_p > 300.0) return "> 300";
    return reports::fixed(p.neg_log10_p, 1);
}

// Where a link does not continue the whole model (the reason its successor was compared with
// the bases): layers the link probe did not show on their own, tensors not continued.
std::string continuity_text(Language lang, const ChainLink& l) {
    std::string out;
    if (l.layers_tested > 0 && l.layers_shown < l.layers_tested)
        out += "; " + reports::format(lang, "chain.link.layers_shown",
                                      {std::to_string(l.layers_shown), std::to_string(l.layers_tested)});
    if (!l.components_not_continued.empty())
        out += "; " + reports::format(lang, "chain.link.not_continued",
                                      {std::to_string(l.components_not_continued.size()),
                                       l.components_not_continued.front()});
    return out;
}

std::string distance_text(double d) { return std::isfinite(d) ? reports::fixed(d, 4) : "n/a"; }

reports::Relation relation_enum(const std::string& v) {
    if (v == "derived") return reports::Relation::derived;
    if (v == "independent" || v == "incompatible") return reports::Relation::independent;
    return reports::Relation::inconclusive;
}

std::optional<double> p_of(const ProbeRelation& p) {
    if (p.verdict == "incompatible" || p.verdict == "not-compared") return std::nullopt;
    return std::pow(10.0, -p.neg_log10_p);
}

std::vector<reports::ComponentRecord> records(Language lang, const ChainResult& r) {
    std::vector<reports::ComponentRecord> out;
    for (std::size_t b = 0; b < r.bases.size() && !r.checkpoints.empty(); ++b) {
        if (b >= r.checkpoints.front().bases.size()) break;
        const ProbeRelation& p = r.checkpoints.front().bases[b];
        reports::ComponentRecord c;
        c.name = "origin (step " + step_text(r, 0) + ")";
        c.relation = relation_enum(p.verdict);
        if (p.verdict == "derived") c.source_base = r.bases[b].label;
        c.p_value = p_of(p);
        c.statistic = "weights -log10 p";
        if (c.p_value) c.statistic_value = p.neg_log10_p;
        if (p.controls_run)
            c.power = std::to_string(p.controls_detected) + "/" + std::to_string(p.controls_total);
        c.reason = reports::format(lang, "chain.component.origin",
                                   {r.bases[b].label, relation_word(lang, p.verdict)});
        out.push_back(std::move(c));
    }
    for (const ChainLink& l : r.links) {
        reports::ComponentRecord c;
        c.name = "step " + step_text(r, l.to);
        c.relation = relation_enum(l.dependence.verdict);
        if (l.dependence.verdict == "derived") {
            c.source_base = r.checkpoints[l.from].label;
            c.source_component = "step " + step_text(r, l.from);
        }
        c.p_value = p_of(l.dependence);
        c.statistic = "weights -log10 p";
        if (c.p_value) c.statistic_value = l.dependence.neg_log10_p;
        if (l.dependence.controls_run)
            c.power = std::to_string(l.dependence.controls_detected) + "/" +
                      std::to_string(l.dependence.controls_total);
        c.reason = reports::format(lang, "chain.component.link",
                                   {msg(lang, std::string("chain.link.") + link_status_name(l.status)),
                                    "step " + step_text(r, l.from)});
        if (!l.drift_note.empty()) c.reason += " — " + l.drift_note;
        out.push_back(std::move(c));
    }
    return out;
}

reports::ReproRecord repro_record(const ChainResult& r) {
    reports::ReproRecord rec = tool_repro_record(r.generated_at, r.command);
    for (const auto& c : r.checkpoints)
        rec.artifacts.push_back({"checkpoint", c.label, c.entry.path, c.digest});
    for (const auto& b : r.bases) rec.artifacts.push_back({"base", b.label, b.path, b.digest});
    if (r.binding.status != BindingStatus::not_checked)
        rec.artifacts.push_back({"submitted", "submitted", r.binding.submitted_path,
                                 r.binding.submitted_digest});
    rec.policy_name = "checkpoint-chain";
    rec.policy_version = "1";
    rec.parameters = r.parameters;
    rec.parameters.emplace_back("chain.manifest", r.manifest_source);
    rec.seeds = r.seeds;
    return rec;
}

// The issue's verdict wording: "chain proven", "chain broken at step N", "origin not
// independent", "inconclusive".
std::string verdict_words(Language lang, const ChainResult& r) {
    if (r.verdict == ChainVerdict::broken && r.broken_at)
        return reports::format(lang, "chain.summary.verdict_broken_at", {step_text(r, *r.broken_at)});
    return msg(lang, std::string("chain.verdict_word.") + chain_verdict_name(r.verdict));
}

// Where the reads went (CheckpointReads): deterministic byte counts, so the record stays
// reproducible.
std::string reads_text(Language lang, const ChainResult& r) {
    std::int64_t models = 0, stored = 0, outside = 0, pairwise = 0;
    auto add = [&](const CheckpointReads& io) {
        if (io.tensors == 0) return;
        ++models;
        stored += io.pass_bytes;
        outside += io.digest_extra_bytes;
        pairwise += io.pairwise_bytes;
    };
    for (const auto& c : r.checkpoints) add(c.reads);
    for (const auto& b : r.bases) add(b.reads);
    auto gb = [](std::int64_t b) { return reports::fixed(static_cast<double>(b) / 1e9, 3); };
    return reports::format(lang, "chain.summary.reads_value",
                           {std::to_string(models), gb(stored), gb(outside), gb(pairwise)});
}

reports::Section summary_section(Language lang, const ChainResult& r) {
    reports::Section s{"chain-summary", msg(lang, "chain.section.summary"), {}};
    reports::KeyValueList kv;
    kv.items.emplace_back(msg(lang, "chain.summary.verdict"), verdict_words(lang, r));
    kv.items.emplace_back(msg(lang, "chain.summary.checkpoints"),
                          reports::format(lang, "chain.summary.checkpoints_value",
                                          {std::to_string(r.checkpoints.size()), step_text(r, 0),
                                           step_text(r, r.checkpoints.size() - 1)}));
    kv.items.emplace_back(msg(lang, "chain.summary.manifest"), r.manifest_source);
    kv.items.emplace_back(msg(lang, "chain.summary.tokens"),
                          msg(lang, r.tokens_given ? "chain.summary.tokens_given"
                                                   : "chain.summary.tokens_steps"));
    std::string bases;
    for (const auto& b : r.bases) bases += (bases.empty() ? "" : ", ") + b.label;
    kv.items.emplace_back(msg(lang, "chain.summary.bases"),
                          bases.empty() ? msg(lang, "chain.summary.none") : bases);
    kv.items.emplace_back(msg(lang, "chain.summary.origin"),
                          msg(lang, std::string("chain.origin.status.") +
                                        origin_status_name(r.origin.status)));
    kv.items.emplace_back(msg(lang, "chain.summary.binding"),
                          msg(lang, std::string("chain.binding.") +
                                        binding_status_name(r.binding.status)));
    kv.items.emplace_back(msg(lang, "chain.summary.reads"), reads_text(lang, r));
    s.blocks.push_back(std::move(kv));
    if (r.steps_from_positions)
        s.blocks.push_back(reports::Note{reports::NoteKind::warning,
                                         msg(lang, "chain.note.positions.title"),
                                         msg(lang, "chain.note.positions.text")});
    if (r.last_step_inferred)
        s.blocks.push_back(reports::Note{
            reports::NoteKind::warning, msg(lang, "chain.note.inferred.title"),
            reports::format(lang, "chain.note.inferred.text",
                            {step_text(r, r.checkpoints.size() - 1)})});
    if (r.bases.empty())
        s.blocks.push_back(reports::Note{reports::NoteKind::warning, msg(lang, "chain.note.no_base.title"),
                                         msg(lang, "chain.note.no_base.text")});
    if (std::any_of(r.checkpoints.begin(), r.checkpoints.end(),
                    [](const ChainCheckpoint& c) { return c.bases_skipped == "carried"; }))
        s.blocks.push_back(reports::Note{reports::NoteKind::info, msg(lang, "chain.note.carried.title"),
                                         msg(lang, "chain.note.carried.text")});
    if (std::any_of(r.bases.begin(), r.bases.end(), [](const ChainBase& b) { return b.from_registry; }))
        s.blocks.push_back(reports::Note{reports::NoteKind::info, msg(lang, "chain.note.registry.title"),
                                         msg(lang, "chain.note.registry.text")});
    return s;
}

reports::Section timeline_section(Language lang, const ChainResult& r) {
    reports::Section s{"timeline", msg(lang, "chain.section.timeline"), {}};
    s.blocks.push_back(reports::Paragraph{msg(lang, "chain.timeline.intro")});
    reports::Table t;
    t.caption = msg(lang, "chain.timeline.caption");
    t.columns = {msg(lang, "chain.col.step"),          msg(lang, "chain.col.checkpoint"),
                 msg(lang, r.tokens_given ? "chain.col.tokens" : "chain.col.steps_between"),
                 msg(lang, "chain.col.distance"),      msg(lang, "chain.col.step_distance"),
                 msg(lang, "chain.col.dependence"),    msg(lang, "chain.col.link"),
                 msg(lang, "chain.col.spectral")};
    for (const auto& b : r.bases)
        t.columns.push_back(reports::format(lang, "chain.col.base", {b.label}));
    t.numeric = {true, false, true, true, true, true, false, true};
    t.numeric.resize(t.columns.size(), true);
    bool logs = false;
    for (const auto& c : r.checkpoints) logs = logs || !c.entry.log.empty();
    if (logs) t.columns.push_back(msg(lang, "chain.col.log"));
    t.wide.assign(t.columns.size(), false);
    if (logs) t.wide.back() = true;

    reports::Chart chart;
    chart.kind = reports::ChartKind::line;
    chart.title = msg(lang, "chain.chart.title");
    chart.caption = msg(lang, "chain.chart.caption");
    chart.x_label = msg(lang, "chain.col.step");
    chart.y_label = msg(lang, "chain.chart.y");
    reports::Series dist{msg(lang, "chain.col.distance"), {}, Tone::neutral};
    double y_max = 0.0;
    for (std::size_t i = 0; i < r.checkpoints.size(); ++i) {
        const ChainCheckpoint& c = r.checkpoints[i];
        const ChainLink* link = i > 0 ? &r.links[i - 1] : nullptr;
        std::vector<reports::TableCell> row{
            {step_text(r, i), Tone::neutral},
            {c.label, Tone::neutral},
            {r.tokens_given ? reports::grouped(*c.entry.tokens_seen)
                            : (link ? reports::grouped(link->tokens) : "—"),
             Tone::neutral},
            {distance_text(c.distance_from_start), Tone::neutral},
            {link ? distance_text(link->step_distance) : "—", Tone::neutral},
            {link ? evidence_text(link->dependence) : "—", Tone::neutral},
            {link ? msg(lang, std::string("chain.link.") + link_status_name(link->status)) +
                        (link->drift_note.empty() ? "" : " (" + link->drift_note + ")") +
                        continuity_text(lang, *link)
                  : msg(lang, "chain.link.start"),
             link ? link_tone(link->status) : Tone::muted},
            {reports::fixed(c.spectral_ratio, 2), Tone::neutral}};
        for (std::size_t b = 0; b < r.bases.size(); ++b) {
            if (b < c.bases.size()) {
                const ProbeRelation& p = c.bases[b];
                row.push_back({relation_word(lang, p.verdict) + " (" + evidence_text(p) + ")",
                               p.verdict == "derived" ? Tone::bad
                               : p.verdict == "independent" ? Tone::good
                                                            : Tone::warn});
            } else if (!c.bases_skipped.empty()) {
                row.push_back({msg(lang, "chain.base_skipped." + c.bases_skipped), Tone::muted});
            } else {
                row.push_back({"—", Tone::muted});
            }
        }
        if (logs) row.push_back({c.entry.log, Tone::neutral});
        t.rows.push_back(std::move(row));
        chart.categories.push_back(step_text(r, i));
        dist.values.push_back(c.distance_from_start);
        if (std::isfinite(c.distance_from_start)) y_max = std::max(y_max, c.distance_from_start);
    }
    chart.series.push_back(std::move(dist));
    chart.y_min = 0.0;
    chart.y_max = y_max > 0.0 ? y_max * 1.1 : 1.0;
    s.blocks.push_back(std::move(t));
    s.blocks.push_back(std::move(chart));
    return s;
}

reports::Section origin_section(Language lang, const ChainResult& r) {
    reports::Section s{"origin", msg(lang, "chain.section.origin"), {}};
    const pw::InitialisationResult& init = r.origin.init;
    s.blocks.push_back(reports::Paragraph{reports::format(
        lang, "chain.origin.intro",
        {step_text(r, 0), msg(lang, std::string("chain.look.") + pw::init_look_name(init.look)),
         msg(lang, std::string("chain.origin.status.") + origin_status_name(r.origin.status))})});
    reports::Table t;
    t.caption = reports::format(lang, "chain.init.caption",
                                {reports::json_number(init.scheme.std), init.scheme.std_source});
    t.columns = {msg(lang, "chain.init.col.test"), msg(lang, "chain.init.col.value"),
                 msg(lang, "chain.init.col.expect")};
    t.numeric = {false, true, false};
    t.wide = {true, false, true};
    auto frac = [](int a, int b) { return std::to_string(a) + "/" + std::to_string(b); };
    t.rows.push_back({{msg(lang, "chain.init.spectral"), Tone::neutral},
                      {frac(init.spectral_outliers, init.matrices) + " (" +
                           reports::fixed(init.median_spectral_ratio, 2) + ", max " +
                           reports::fixed(init.max_spectral_ratio, 2) + ")",
                       init.spectral_outliers ? Tone::warn : Tone::good},
                      {msg(lang, "chain.init.spectral_expect"), Tone::muted}});
    t.rows.push_back({{msg(lang, "chain.init.std"), Tone::neutral},
                      {frac(init.std_consistent, init.matrices) + " (" +
                           reports::fixed(init.median_std_ratio, 2) + ")",
                       init.std_consistent == init.matrices ? Tone::good : Tone::warn},
                      {msg(lang, "chain.init.std_expect"), Tone::muted}});
    t.rows.push_back({{msg(lang, "chain.init.embedding"), Tone::neutral},
                      {frac(init.embeddings_structured, init.embeddings),
                       init.embeddings_structured ? Tone::warn : Tone::good},
                      {msg(lang, "chain.init.embedding_expect"), Tone::muted}});
    t.rows.push_back({{msg(lang, "chain.init.norms"), Tone::neutral},
                      {frac(init.norms_at_init, init.norms),
                       init.norms_at_init == init.norms ? Tone::good : Tone::warn},
                      {msg(lang, "chain.init.norms_expect"), Tone::muted}});
    s.blocks.push_back(std::move(t));

    if (!r.bases.empty() && !r.checkpoints.empty()) {
        reports::Table b;
        b.caption = msg(lang, "chain.origin.bases_caption");
        b.columns = {msg(lang, "chain.origin.col.base"), msg(lang, "ui.col.relation"),
                     msg(lang, "chain.col.dependence"), msg(lang, "ui.col.power")};
        b.numeric = {false, false, true, true};
        const auto& rel = r.checkpoints.front().bases;
        for (std::size_t i = 0; i < r.bases.size() && i < rel.size(); ++i) {
            b.rows.push_back(
                {{r.bases[i].label, Tone::neutral},
                 {relation_word(lang, rel[i].verdict),
                  rel[i].verdict == "derived" ? Tone::bad
                  : rel[i].verdict == "independent" ? Tone::good
                                                    : Tone::warn},
                 {evidence_text(rel[i]), Tone::neutral},
                 {rel[i].controls_run ? frac(rel[i].controls_detected, rel[i].controls_total) : "—",
                  Tone::neutral}});
        }
        s.blocks.push_back(std::move(b));
    }
    std::string why;
    for (const auto& line : r.origin.reasons) why += (why.empty() ? "" : "; ") + line;
    s.blocks.push_back(reports::Note{reports::NoteKind::info, msg(lang, "chain.origin.record"), why});
    return s;
}

reports::Section binding_section(Language lang, const ChainResult& r) {
    reports::Section s{"binding", msg(lang, "chain.section.binding"), {}};
    reports::KeyValueList kv;
    kv.items.emplace_back(msg(lang, "chain.binding.final"), r.binding.final_digest);
    if (r.binding.status != BindingStatus::not_checked) {
        kv.items.emplace_back(msg(lang, "chain.binding.submitted"),
                              r.binding.submitted_digest + " (" + r.binding.submitted_path + ")");
    }
    kv.items.emplace_back(msg(lang, "chain.summary.binding"),
                          msg(lang, std::string("chain.binding.") +
                                        binding_status_name(r.binding.status)));
    s.blocks.push_back(std::move(kv));
    return s;
}

reports::Section guide_section(Language lang) {
    reports::Section s{"how-to-read", msg(lang, "chain.section.guide"), {}};
    s.blocks.push_back(reports::Paragraph{msg(lang, "chain.guide.text")});
    s.blocks.push_back(reports::Note{reports::NoteKind::info, msg(lang, "chain.guide.exit.title"),
                                     msg(lang, "chain.guide.exit.text")});
    return s;
}

}  // namespace

reports::Outcome chain_outcome(ChainVerdict v) {
    switch (v) {
        case ChainVerdict::proven: return reports::Outcome::pass;
        case ChainVerdict::broken:
        case ChainVerdict::origin_not_independent:
        case ChainVerdict::not_bound: return reports::Outcome::fail;
        case ChainVerdict::inconclusive: break;
    }
    return reports::Outcome::inconclusive;
}

std::string chain_verdict_reason(const ChainResult& r, Language lang) {
    switch (r.verdict) {
        case ChainVerdict::proven:
            return reports::format(lang, "chain.verdict.proven",
                                   {std::to_string(r.checkpoints.size()),
                                    std::to_string(r.bases.size())});
        case ChainVerdict::broken: {
            const std::size_t at = r.broken_at.value_or(0);
            return reports::format(lang, "chain.verdict.broken",
                                   {step_text(r, at), step_text(r, at > 0 ? at - 1 : 0)});
        }
        case ChainVerdict::origin_not_independent:
            return reports::format(
                lang, "chain.verdict.origin",
                {step_text(r, 0),
                 r.origin.deciding_base.empty()
                     ? msg(lang, "chain.origin.trained")
                     : reports::format(lang, "chain.origin.from_base", {r.origin.deciding_base})});
        case ChainVerdict::not_bound:
            return reports::format(lang, "chain.verdict.not_bound",
                                   {r.binding.final_digest, r.binding.submitted_digest});
        case ChainVerdict::inconclusive:
            break;
    }
    for (const ChainLink& l : r.links) {
        if (l.status == LinkStatus::undecided)
            return reports::format(lang, "chain.verdict.undecided",
                                   {step_text(r, l.to), step_text(r, l.from)});
    }
    for (const ChainLink& l : r.links) {
        if (l.status == LinkStatus::drift_inconsistent)
            return reports::format(lang, "chain.verdict.drift", {step_text(r, l.to), l.drift_note});
    }
    return msg(lang, "chain.verdict.origin_unclear");
}

reports::Report build_chain_report(const ChainResult& result, Language lang) {
    reports::Report report;
    report.language = lang;
    report.title = msg(lang, "chain.title");
    const ChainCheckpoint& last = result.checkpoints.back();
    report.subject = last.label + " — " + last.entry.path;
    report.verdict.outcome = chain_outcome(result.verdict);
    report.verdict.reason = chain_verdict_reason(result, lang);
    report.components = records(lang, result);
    report.repro = repro_record(result);
    report.sections.push_back(summary_section(lang, result));
    report.sections.push_back(timeline_section(lang, result));
    report.sections.push_back(origin_section(lang, result));
    report.sections.push_back(binding_section(lang, result));
    report.sections.push_back(guide_section(lang));
    return report;
}

}  // namespace lineage::audit
