// The JSON rendering: the machine record (verdict, components, policy findings, reproducibility)
// followed by every section's blocks, so the document can be rebuilt from the record alone.
// Layout and field meanings: reports/SCHEMA.md. Parameters and seeds are sorted by key.
#include <algorithm>
#include <cmath>

#include "reports/json_writer.h"
#include "reports/render.h"

namespace lineage::reports {

namespace {

template <class V>
std::vector<std::pair<std::string, V>> sorted(std::vector<std::pair<std::string, V>> items) {
    std::stable_sort(items.begin(), items.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    return items;
}

void write_component(JsonWriter& w, const ComponentRecord& c) {
    w.begin_object();
    w.field("name", c.name);
    w.field("relation", relation_name(c.relation));
    w.key("source");
    if (c.relation == Relation::derived && !c.source_base.empty()) {
        w.begin_object().field("base", c.source_base).field("component", c.source_component);
        w.end_object();
    } else {
        w.null();
    }
    w.key("p_value").optional_number(c.p_value);
    w.key("statistic");
    if (c.statistic.empty()) {
        w.null();
    } else {
        w.begin_object().field("name", c.statistic).key("value").optional_number(c.statistic_value);
        w.end_object();
    }
    w.key("power");
    c.power.empty() ? w.null() : w.string(c.power);
    w.field("reason", c.reason);
    w.end_object();
}

void write_repro(JsonWriter& w, const ReproRecord& r) {
    w.begin_object();
    w.key("tool").begin_object();
    w.field("name", "lineage")
        .field("version", r.tool_version)
        .field("git_revision", r.git_revision);
    w.field("build_type", r.build_type).field("compiler", r.compiler);
    w.key("cuda_built").boolean(r.cuda_built);
    w.end_object();
    w.field("generated_at", r.generated_at);
    w.field("command", r.command);
    w.key("policy").begin_object().field("name", r.policy_name).field("version", r.policy_version);
    w.end_object();
    w.key("artifacts").begin_array();
    for (const auto& a : r.artifacts) {
        w.begin_object().field("role", a.role).field("label", a.label).field("path", a.path);
        w.key("digest");
        a.digest.empty() ? w.null() : w.string(a.digest);
        w.end_object();
    }
    w.end_array();
    w.key("parameters").begin_object();
    for (const auto& [k, v] : sorted(r.parameters)) w.field(k, v);
    w.end_object();
    w.key("seeds").begin_object();
    for (const auto& [k, v] : sorted(r.seeds)) w.key(k).unsigned_integer(v);
    w.end_object();
    w.end_object();
}

void write_strings(JsonWriter& w, const std::vector<std::string>& items) {
    w.begin_array();
    for (const auto& s : items) w.string(s);
    w.end_array();
}

void write_numbers(JsonWriter& w, const std::vector<double>& values) {
    w.begin_array();
    for (double v : values) w.number(v);
    w.end_array();
}

struct BlockWriter {
    JsonWriter& w;
    void operator()(const Paragraph& p) { w.field("type", "paragraph").field("text", p.text); }
    void operator()(const KeyValueList& kv) {
        w.field("type", "key_value").field("title", kv.title);
        w.key("items").begin_array();
        for (const auto& [k, v] : kv.items)
            w.begin_object().field("key", k).field("value", v).end_object();
        w.end_array();
    }
    void operator()(const Table& t) {
        w.field("type", "table").field("caption", t.caption);
        w.key("columns");
        write_strings(w, t.columns);
        w.key("numeric").begin_array();
        for (std::size_t i = 0; i < t.columns.size(); ++i)
            w.boolean(i < t.numeric.size() && t.numeric[i]);
        w.end_array();
        w.key("collapsible").boolean(t.collapsible);
        w.key("rows").begin_array();
        for (const auto& row : t.rows) {
            w.begin_array();
            for (const auto& cell : row) {
                w.begin_object().field("text", cell.text).field("tone", tone_name(cell.tone));
                w.end_object();
            }
            w.end_array();
        }
        w.end_array();
    }
    void operator()(const Heatmap& h) {
        w.field("type", "heatmap").field("title", h.title).field("caption", h.caption);
        w.field("row_label", h.row_label).field("column_label", h.column_label);
        w.field("value_label", h.value_label);
        w.key("row_ticks");
        write_strings(w, h.row_ticks);
        w.key("column_ticks");
        write_strings(w, h.column_ticks);
        w.key("scale").begin_array().number(h.scale_min).number(h.scale_max).end_array();
        w.key("values").begin_array();
        for (std::size_t r = 0; r < h.rows(); ++r) {
            w.begin_array();
            for (std::size_t c = 0; c < h.columns(); ++c) {
                std::size_t i = r * h.columns() + c;
                w.number(i < h.values.size() ? h.values[i] : NAN);
            }
            w.end_array();
        }
        w.end_array();
        w.key("marked").begin_array();
        for (const auto& [r, c] : h.marked) w.begin_array().integer(r).integer(c).end_array();
        w.end_array();
    }
    void operator()(const Chart& c) {
        w.field("type", "chart").field("kind", c.kind == ChartKind::bar ? "bar" : "line");
        w.field("title", c.title).field("caption", c.caption);
        w.field("x_label", c.x_label).field("y_label", c.y_label);
        w.key("categories");
        write_strings(w, c.categories);
        w.key("y_range").begin_array().number(c.y_min).number(c.y_max).end_array();
        w.key("series").begin_array();
        for (const auto& s : c.series) {
            w.begin_object().field("name", s.name).field("tone", tone_name(s.tone)).key("values");
            write_numbers(w, s.values);
            w.end_object();
        }
        w.end_array();
        w.key("bands").begin_array();
        for (const auto& b : c.bands) {
            w.begin_object()
                .field("label", b.label)
                .key("low")
                .number(b.low)
                .key("high")
                .number(b.high);
            w.end_object();
        }
        w.end_array();
    }
    void operator()(const Note& n) {
        static constexpr std::string_view kinds[] = {"info", "pitfall", "warning"};
        w.field("type", "note").field("kind", kinds[static_cast<int>(n.kind)]);
        w.field("title", n.title).field("text", n.text);
    }
};

}  // namespace

std::string render_json(const Report& report) {
    JsonWriter w;
    w.begin_object();
    w.field("schema", kSchemaName).field("schema_version", kSchemaVersion);
    w.field("verdict", outcome_name(report.verdict.outcome));
    w.field("verdict_reason", report.verdict.reason);
    w.key("policy").begin_object().field("name", report.repro.policy_name);
    w.field("version", report.repro.policy_version).end_object();
    w.field("language", language_code(report.language));
    w.field("title", report.title).field("subject", report.subject);
    w.key("components").begin_array();
    for (const auto& c : report.components) write_component(w, c);
    w.end_array();
    w.key("policy_findings").begin_array();
    for (const auto& f : report.policy_findings) {
        w.begin_object().field("rule", f.rule).field("severity", f.severity).field("kind", f.kind);
        w.field("component", f.component).key("components");
        write_strings(w, f.components);
        w.field("base", f.base).field("message", f.message);
        w.end_object();
    }
    w.end_array();
    w.key("reproducibility");
    write_repro(w, report.repro);
    w.key("sections").begin_array();
    for (const auto& s : report.sections) {
        w.begin_object().field("id", s.id).field("title", s.title).key("blocks").begin_array();
        for (const auto& b : s.blocks) {
            w.begin_object();
            std::visit(BlockWriter{w}, b);
            w.end_object();
        }
        w.end_array().end_object();
    }
    w.end_array();
    w.end_object();
    return w.take();
}

}  // namespace lineage::reports
