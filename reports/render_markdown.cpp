// The Markdown rendering (GitHub-flavoured): title, verdict, policy findings, the per-component
// table, every section, and the reproducibility record. Text from the report is escaped so that
// names taken from a checkpoint cannot inject links, HTML or table breaks. Heatmaps print as value
// tables when narrow enough to read, otherwise as a one-line summary pointing to the HTML/JSON.
#include <cmath>
#include <sstream>

#include "reports/number_format.h"
#include "reports/render.h"
#include "reports/render_common.h"

namespace lineage::reports {

namespace {

using detail::heatmap_value;

constexpr std::size_t kMaxHeatmapColumns = 16;

// Backslash-escapes every character Markdown could read as markup; newlines become spaces.
std::string md(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '\\':
            case '`':
            case '*':
            case '_':
            case '[':
            case ']':
            case '<':
            case '>':
            case '|':
            case '#':
            case '!':
            case '~':
                out += '\\';
                out += c;
                break;
            case '\n':
            case '\r':
                out += ' ';
                break;
            default:
                out += c;
        }
    }
    return out;
}

// Text inside a `code span`: only a backtick or a line break could end it early.
std::string code(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c == '`') c = '\'';
        if (c == '\n' || c == '\r') c = ' ';
    }
    return out;
}

void table(std::ostringstream& o, const std::vector<std::string>& header,
           const std::vector<bool>& numeric, const std::vector<std::vector<std::string>>& rows) {
    o << '|';
    for (const auto& h : header) o << ' ' << md(h) << " |";
    o << "\n|";
    for (std::size_t i = 0; i < header.size(); ++i) {
        o << (i < numeric.size() && numeric[i] ? " ---: |" : " --- |");
    }
    o << '\n';
    for (const auto& row : rows) {
        o << '|';
        for (std::size_t i = 0; i < header.size(); ++i) {
            o << ' ' << (i < row.size() ? md(row[i]) : std::string()) << " |";
        }
        o << '\n';
    }
    o << '\n';
}

struct BlockRenderer {
    std::ostringstream& o;
    Language lang;

    void operator()(const Paragraph& p) { o << md(p.text) << "\n\n"; }
    void operator()(const KeyValueList& kv) {
        if (!kv.title.empty()) o << "**" << md(kv.title) << "**\n\n";
        for (const auto& [k, v] : kv.items) o << "- **" << md(k) << "**: " << md(v) << '\n';
        o << '\n';
    }
    void operator()(const Table& t) {
        if (!t.caption.empty()) o << "**" << md(t.caption) << "**\n\n";
        std::vector<std::vector<std::string>> rows;
        for (const auto& r : t.rows) {
            std::vector<std::string> cells;
            for (const auto& c : r) cells.push_back(c.text);
            rows.push_back(std::move(cells));
        }
        table(o, t.columns, t.numeric, rows);
    }
    void operator()(const Heatmap& h) {
        o << "**" << md(h.title) << "**";
        if (!h.value_label.empty()) o << " (" << md(h.value_label) << ')';
        o << "\n\n";
        if (!h.caption.empty()) o << md(h.caption) << "\n\n";
        if (h.columns() == 0 || h.rows() == 0) return;
        if (h.columns() > kMaxHeatmapColumns) {
            o << "_"
              << md(format(lang, "ui.heatmap.too_wide",
                           {std::to_string(h.rows()), std::to_string(h.columns())}))
              << "_\n\n";
            return;
        }
        std::vector<std::string> header{h.row_label + " \\ " + h.column_label};
        std::vector<bool> numeric{false};
        for (const auto& t : h.column_ticks) {
            header.push_back(t);
            numeric.push_back(true);
        }
        std::vector<std::vector<std::string>> rows;
        for (std::size_t r = 0; r < h.rows(); ++r) {
            std::vector<std::string> row{h.row_ticks[r]};
            for (std::size_t c = 0; c < h.columns(); ++c) {
                std::string cell = fixed(heatmap_value(h, r, c), 2);
                for (const auto& [mr, mc] : h.marked) {
                    if (mr == static_cast<int>(r) && mc == static_cast<int>(c))
                        cell = "[" + cell + "]";
                }
                row.push_back(cell);
            }
            rows.push_back(std::move(row));
        }
        // md() escapes the brackets that mark aligned cells, which is what we want shown.
        table(o, header, numeric, rows);
        if (!h.marked.empty()) o << "_" << md(message(lang, "ui.heatmap.marked_legend")) << "_\n\n";
    }
    void operator()(const Chart& c) {
        o << "**" << md(c.title) << "**\n\n";
        if (!c.caption.empty()) o << md(c.caption) << "\n\n";
        std::vector<std::string> header{c.x_label};
        std::vector<bool> numeric{false};
        for (const auto& s : c.series) {
            header.push_back(s.name);
            numeric.push_back(true);
        }
        std::vector<std::vector<std::string>> rows;
        for (std::size_t i = 0; i < c.categories.size(); ++i) {
            std::vector<std::string> row{c.categories[i]};
            for (const auto& s : c.series)
                row.push_back(i < s.values.size() ? fixed(s.values[i], 3) : "n/a");
            rows.push_back(std::move(row));
        }
        table(o, header, numeric, rows);
        for (const auto& b : c.bands) {
            o << "- " << md(b.label) << ": " << fixed(b.low, 3) << " – " << fixed(b.high, 3)
              << '\n';
        }
        if (!c.bands.empty()) o << '\n';
    }
    void operator()(const Note& n) {
        o << "> **" << md(detail::note_label(lang, n.kind));
        if (!n.title.empty()) o << " — " << md(n.title);
        o << "**\n>\n> " << md(n.text) << "\n\n";
    }
};

}  // namespace

std::string render_markdown(const Report& report) {
    const Language lang = report.language;
    std::ostringstream o;
    o << "# " << md(report.title) << "\n\n";
    if (!report.subject.empty()) o << md(report.subject) << "\n\n";

    // Verdict banner.
    o << "> **" << md(message(lang, "ui.verdict")) << ": "
      << md(detail::outcome_label(lang, report.verdict.outcome)) << "** — "
      << md(report.verdict.reason) << "\n>\n> " << md(message(lang, "ui.policy")) << ": `"
      << code(report.repro.policy_name) << "` " << md(report.repro.policy_version) << "\n\n";

    if (!report.policy_findings.empty()) {
        o << "## " << md(message(lang, "ui.findings.title")) << "\n\n";
        std::vector<std::vector<std::string>> rows;
        for (const auto& f : report.policy_findings) {
            rows.push_back({std::string(detail::severity_label(lang, f.severity)), f.rule,
                            f.component, f.message});
        }
        table(o,
              {std::string(message(lang, "ui.col.severity")),
               std::string(message(lang, "ui.col.rule")),
               std::string(message(lang, "ui.col.component")),
               std::string(message(lang, "ui.col.message"))},
              {}, rows);
    }

    o << "## " << md(message(lang, "ui.components.title")) << "\n\n";
    if (report.components.empty()) {
        o << md(message(lang, "ui.components.none")) << "\n\n";
    } else {
        std::vector<std::vector<std::string>> rows;
        for (const auto& c : report.components) {
            rows.push_back({c.name, std::string(detail::relation_label(lang, c.relation)),
                            detail::source_text(c), p_value_text(c.p_value), c.power, c.reason});
        }
        table(o,
              {std::string(message(lang, "ui.col.component")),
               std::string(message(lang, "ui.col.relation")),
               std::string(message(lang, "ui.col.source")),
               std::string(message(lang, "ui.col.p_value")),
               std::string(message(lang, "ui.col.power")),
               std::string(message(lang, "ui.col.reason"))},
              {false, false, false, true, true, false}, rows);
    }

    for (const auto& s : report.sections) {
        o << "## " << md(s.title) << "\n\n";
        for (const auto& b : s.blocks) std::visit(BlockRenderer{o, lang}, b);
    }

    // Reproducibility record.
    const ReproRecord& r = report.repro;
    o << "## " << md(message(lang, "ui.repro.title")) << "\n\n";
    o << "- **" << md(message(lang, "ui.repro.tool")) << "**: lineage " << md(r.tool_version)
      << " (" << md(r.git_revision) << ", " << md(r.build_type) << ", " << md(r.compiler)
      << (r.cuda_built ? ", CUDA" : "") << ")\n";
    o << "- **" << md(message(lang, "ui.repro.generated")) << "**: " << md(r.generated_at) << '\n';
    o << "- **" << md(message(lang, "ui.repro.command")) << "**: `" << code(r.command) << "`\n\n";
    if (!r.artifacts.empty()) {
        std::vector<std::vector<std::string>> rows;
        for (const auto& a : r.artifacts) {
            rows.push_back({std::string(detail::artifact_role_label(lang, a.role)), a.label, a.path,
                            a.digest.empty() ? "n/a" : a.digest});
        }
        table(
            o,
            {std::string(message(lang, "ui.col.role")), std::string(message(lang, "ui.col.label")),
             std::string(message(lang, "ui.col.path")),
             std::string(message(lang, "ui.col.digest"))},
            {}, rows);
    }
    auto params = detail::sorted_parameters(r);
    auto seeds = detail::sorted_seeds(r);
    if (!params.empty() || !seeds.empty()) {
        std::vector<std::vector<std::string>> rows;
        for (const auto& [k, v] : params) rows.push_back({k, v});
        for (const auto& [k, v] : seeds)
            rows.push_back({k + " (" + std::string(message(lang, "ui.repro.seed")) + ")", v});
        table(o,
              {std::string(message(lang, "ui.repro.parameters")),
               std::string(message(lang, "ui.col.value"))},
              {false, true}, rows);
    }
    o << "---\n\n_" << md(format(lang, "ui.footer", {r.tool_version, r.git_revision})) << "_\n";
    return o.str();
}

}  // namespace lineage::reports
