// The HTML rendering: one self-contained page a reviewer can open offline, archive and sign. All
// styling is an inline <style>, every figure an inline <svg>; there are no scripts, fonts, images
// or links outside the page (only #anchors), so opening it makes no network request. Every piece of
// text from the report is escaped (it may hold names taken from a hostile checkpoint). Layout:
// header, verdict banner, contents, policy findings, per-component table, the audit's sections,
// reproducibility record, footer.
#include <algorithm>
#include <array>
#include <cmath>
#include <sstream>

#include "reports/number_format.h"
#include "reports/render.h"
#include "reports/render_common.h"
#include "reports/svg_figures.h"

namespace lineage::reports {

namespace {

using detail::html;

constexpr std::string_view kStyle = R"css(
:root{--ink:#1d2433;--muted:#5b6476;--line:#dfe3ea;--bg:#f5f6f8;--card:#fff;--accent:#1f5fa8;
--good:#1e7a34;--good-bg:#e6f4ea;--bad:#b3261e;--bad-bg:#fce8e6;--warn:#a15c00;--warn-bg:#fff4e0;
--mut-bg:#eef0f3}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.6 system-ui,-apple-system,"Segoe UI",
"Noto Sans","Noto Sans CJK KR","Apple SD Gothic Neo","Malgun Gothic",Roboto,"Helvetica Neue",Arial,sans-serif}
:lang(ko) body,:lang(ko) p,:lang(ko) td,:lang(ko) dd,:lang(ko) li{word-break:keep-all;overflow-wrap:anywhere}
.page{max-width:1120px;margin:0 auto;padding:32px 28px 48px}
header.top{border-bottom:1px solid var(--line);padding-bottom:14px;margin-bottom:20px}
.brand{font-size:12px;letter-spacing:.12em;text-transform:uppercase;color:var(--muted);font-weight:600}
h1{font-size:28px;line-height:1.25;margin:6px 0 4px}
.subject{margin:0;color:var(--muted);font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,"Noto Sans Mono",monospace;font-size:13px;overflow-wrap:anywhere}
.banner{display:flex;gap:22px;align-items:center;border-radius:10px;padding:18px 22px;margin:0 0 22px;border:1px solid}
.banner .label{font-size:26px;font-weight:800;letter-spacing:.04em;padding:8px 18px;border-radius:8px;color:#fff;white-space:nowrap}
.banner .reason{font-size:17px;font-weight:600}
.banner .policy{font-size:13px;color:var(--muted);margin-top:2px}
.banner.pass{background:var(--good-bg);border-color:#b7dfc2}.banner.pass .label{background:var(--good)}
.banner.fail{background:var(--bad-bg);border-color:#f3c1bc}.banner.fail .label{background:var(--bad)}
.banner.inconclusive{background:var(--warn-bg);border-color:#f2d29b}.banner.inconclusive .label{background:var(--warn)}
nav.toc{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 18px;margin-bottom:22px}
nav.toc .t{font-size:12px;font-weight:700;color:var(--muted);text-transform:uppercase;letter-spacing:.08em}
nav.toc ol{margin:6px 0 0;padding-left:20px;columns:2;column-gap:32px}
nav.toc a{color:var(--accent);text-decoration:none}
section.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:20px 24px;margin-bottom:22px}
h2{font-size:20px;margin:0 0 14px;padding-bottom:8px;border-bottom:1px solid var(--line)}
h3{font-size:16px;margin:18px 0 8px}
p{margin:0 0 12px}
table{border-collapse:collapse;width:100%;margin:4px 0 14px;font-size:14px}
caption{caption-side:top;text-align:left;font-weight:600;padding:0 0 6px}
th,td{border-bottom:1px solid var(--line);padding:6px 10px;text-align:left;vertical-align:top}
th{background:#f0f2f6;font-weight:600;font-size:13px;color:#3a4254}
tbody tr:nth-child(even) td{background:#fafbfc}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.mono,.mono{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,"Noto Sans Mono",monospace;font-size:12.5px;overflow-wrap:anywhere}
td.name{white-space:nowrap}
td.list{max-width:280px}
td.stat{min-width:120px}
td.t-good,td.t-bad,td.t-warn{white-space:nowrap}
td.wide{min-width:200px}
details.fold{margin:6px 0 14px}details.fold>summary{cursor:pointer;font-weight:600;color:var(--accent);margin-bottom:6px}
.scroll{overflow-x:auto;max-width:100%}
.pill{display:inline-block;padding:1px 9px;border-radius:999px;font-size:12.5px;font-weight:600;white-space:nowrap}
.t-good{color:var(--good)}.t-bad{color:var(--bad)}.t-warn{color:var(--warn)}.t-muted{color:var(--muted)}
.pill.t-good{background:var(--good-bg)}.pill.t-bad{background:var(--bad-bg)}.pill.t-warn{background:var(--warn-bg)}
.pill.t-muted,.pill.t-neutral{background:var(--mut-bg);color:var(--ink)}
dl.kv{display:grid;grid-template-columns:minmax(140px,max-content) 1fr;gap:4px 18px;margin:4px 0 14px}
dl.kv dt{color:var(--muted);font-weight:600}dl.kv dd{margin:0;overflow-wrap:anywhere}
.kv-title{font-weight:600;margin:6px 0 2px}
aside.note{border-left:4px solid var(--accent);background:#f1f6fc;border-radius:6px;padding:10px 14px;margin:10px 0 14px}
aside.note.pitfall{border-color:#d48806;background:#fff8eb}
aside.note.warning{border-color:var(--bad);background:var(--bad-bg)}
aside.note .kind{font-size:11.5px;font-weight:700;text-transform:uppercase;letter-spacing:.08em;color:var(--muted)}
aside.note .nt{font-weight:600;margin:2px 0}
aside.note p{margin:0}
figure{margin:8px 0 18px}
figure .ft{font-weight:600;margin-bottom:4px}
figcaption{font-size:13px;color:var(--muted);margin-top:4px}
svg{display:block;max-width:100%;height:auto}
svg text{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans","Noto Sans CJK KR","Apple SD Gothic Neo",sans-serif}
.legend{display:flex;flex-wrap:wrap;gap:6px 16px;font-size:13px;margin:2px 0 4px}
.legend span.sw{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:6px;vertical-align:-1px}
.legend span.band{display:inline-block;width:18px;height:10px;background:#9aa3b2;opacity:.35;margin-right:6px;vertical-align:0}
code{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;font-size:12.5px;background:#f0f2f6;padding:1px 5px;border-radius:4px;overflow-wrap:anywhere}
footer{color:var(--muted);font-size:12.5px;text-align:center;margin-top:26px}
@media print{body{background:#fff}.page{padding:0}section.card,nav.toc{border:none;padding:0}nav.toc{display:none}
section.card{break-inside:avoid-page}}
@media (max-width:720px){.banner{flex-direction:column;align-items:flex-start}nav.toc ol{columns:1}}
)css";

std::string anchor(std::string_view id) {
    std::string out;
    for (char c : id) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
        out += ok ? c : (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : '-';
    }
    return out.empty() ? "section" : out;
}

std::string tone_class(Tone t) {
    return "t-" + std::string(tone_name(t));
}

void table_head(std::ostringstream& o, const std::vector<std::string>& columns,
                const std::vector<bool>& numeric) {
    o << "<thead><tr>";
    for (std::size_t i = 0; i < columns.size(); ++i) {
        bool num = i < numeric.size() && numeric[i];
        o << (num ? "<th class=\"num\">" : "<th>") << html(columns[i]) << "</th>";
    }
    o << "</tr></thead>\n";
}

struct BlockRenderer {
    std::ostringstream& o;
    Language lang;
    int& figure_counter;

    void operator()(const Paragraph& p) { o << "<p>" << html(p.text) << "</p>\n"; }
    void operator()(const KeyValueList& kv) {
        if (!kv.title.empty()) o << "<div class=\"kv-title\">" << html(kv.title) << "</div>\n";
        o << "<dl class=\"kv\">";
        for (const auto& [k, v] : kv.items)
            o << "<dt>" << html(k) << "</dt><dd>" << html(v) << "</dd>";
        o << "</dl>\n";
    }
    void operator()(const Table& t) {
        if (t.collapsible) {
            o << "<details class=\"fold\"><summary>" << html(t.caption) << " ("
              << html(format(lang, "ui.table.rows", {std::to_string(t.rows.size())}))
              << ")</summary>";
        }
        o << "<div class=\"scroll\"><table>";
        if (!t.caption.empty() && !t.collapsible)
            o << "<caption>" << html(t.caption) << "</caption>";
        table_head(o, t.columns, t.numeric);
        o << "<tbody>\n";
        for (const auto& row : t.rows) {
            o << "<tr>";
            for (std::size_t i = 0; i < row.size(); ++i) {
                bool num = i < t.numeric.size() && t.numeric[i];
                bool wide = i < t.wide.size() && t.wide[i];
                std::string cls = num ? "num" : wide ? "wide" : i == 0 ? "name" : "";
                if (row[i].tone != Tone::neutral) {
                    if (!cls.empty()) cls += ' ';
                    cls += tone_class(row[i].tone);
                }
                o << (cls.empty() ? "<td>" : "<td class=\"" + cls + "\">") << html(row[i].text)
                  << "</td>";
            }
            o << "</tr>\n";
        }
        o << "</tbody></table></div>\n";
        if (t.collapsible) o << "</details>\n";
    }
    void operator()(const Heatmap& h) {
        int id = ++figure_counter;
        o << "<figure><div class=\"ft\">" << html(h.title) << "</div>\n";
        o << "<div class=\"scroll\">" << detail::heatmap_svg(h, id, lang) << "</div>";
        if (!h.caption.empty()) o << "<figcaption>" << html(h.caption) << "</figcaption>";
        o << "</figure>\n";
    }
    void operator()(const Chart& c) {
        ++figure_counter;
        o << "<figure><div class=\"ft\">" << html(c.title) << "</div>\n";
        o << "<div class=\"legend\">";
        for (std::size_t i = 0; i < c.series.size(); ++i) {
            o << "<span><span class=\"sw\" style=\"background:"
              << detail::series_colour(c.series[i], i) << "\"></span>" << html(c.series[i].name)
              << "</span>";
        }
        for (const auto& b : c.bands) {
            o << "<span><span class=\"band\"></span>" << html(b.label) << " (" << fixed(b.low, 2)
              << "–" << fixed(b.high, 2) << ")</span>";
        }
        o << "</div>\n<div class=\"scroll\">" << detail::chart_svg(c) << "</div>";
        if (!c.caption.empty()) o << "<figcaption>" << html(c.caption) << "</figcaption>";
        o << "</figure>\n";
    }
    void operator()(const Note& n) {
        static constexpr std::array<std::string_view, 3> cls{"info", "pitfall", "warning"};
        o << "<aside class=\"note " << cls[static_cast<int>(n.kind)] << "\"><div class=\"kind\">"
          << html(detail::note_label(lang, n.kind)) << "</div>";
        if (!n.title.empty()) o << "<div class=\"nt\">" << html(n.title) << "</div>";
        o << "<p>" << html(n.text) << "</p></aside>\n";
    }
};

void banner(std::ostringstream& o, const Report& report) {
    const Language lang = report.language;
    o << "<section class=\"banner " << outcome_name(report.verdict.outcome) << "\" aria-label=\""
      << html(message(lang, "ui.verdict")) << "\">"
      << "<div class=\"label\">" << html(detail::outcome_label(lang, report.verdict.outcome))
      << "</div>"
      << "<div><div class=\"reason\">" << html(report.verdict.reason) << "</div>"
      << "<div class=\"policy\">" << html(message(lang, "ui.policy")) << ": <code>"
      << html(report.repro.policy_name) << "</code> " << html(report.repro.policy_version)
      << "</div></div></section>\n";
}

void findings(std::ostringstream& o, const Report& report) {
    const Language lang = report.language;
    o << "<section class=\"card\" id=\"policy-findings\"><h2>"
      << html(message(lang, "ui.findings.title")) << "</h2>\n";
    if (report.policy_findings.empty()) {
        o << "<p>" << html(message(lang, "ui.findings.none")) << "</p>";
    } else {
        o << "<div class=\"scroll\"><table>";
        table_head(o,
                   {std::string(message(lang, "ui.col.severity")),
                    std::string(message(lang, "ui.col.rule")),
                    std::string(message(lang, "ui.col.component")),
                    std::string(message(lang, "ui.col.message"))},
                   {});
        o << "<tbody>\n";
        for (const auto& f : report.policy_findings) {
            Tone tone = f.severity == "fail"   ? Tone::bad
                        : f.severity == "warn" ? Tone::warn
                                               : Tone::muted;
            o << "<tr><td><span class=\"pill " << tone_class(tone) << "\">"
              << html(detail::severity_label(lang, f.severity))
              << "</span></td><td class=\"mono name\">" << html(f.rule)
              << "</td><td class=\"mono list\">" << html(f.component) << "</td><td class=\"wide\">"
              << html(f.message) << "</td></tr>\n";
        }
        o << "</tbody></table></div>";
    }
    o << "</section>\n";
}

void components(std::ostringstream& o, const Report& report) {
    const Language lang = report.language;
    o << "<section class=\"card\" id=\"components\"><h2>"
      << html(message(lang, "ui.components.title")) << "</h2>\n";
    if (report.components.empty()) {
        o << "<p>" << html(message(lang, "ui.components.none")) << "</p></section>\n";
        return;
    }
    // Counts by relation above the table: the one line a reviewer reads first.
    std::array<int, 3> counts{};
    for (const auto& c : report.components) ++counts[static_cast<int>(c.relation)];
    o << "<p class=\"legend\">";
    for (Relation r : {Relation::derived, Relation::independent, Relation::inconclusive}) {
        o << "<span class=\"pill " << tone_class(relation_tone(r)) << "\">"
          << html(detail::relation_label(lang, r)) << " " << counts[static_cast<int>(r)]
          << "</span>";
    }
    o << "</p>\n<div class=\"scroll\"><table>";
    table_head(
        o,
        {std::string(message(lang, "ui.col.component")),
         std::string(message(lang, "ui.col.relation")), std::string(message(lang, "ui.col.source")),
         std::string(message(lang, "ui.col.p_value")),
         std::string(message(lang, "ui.col.statistic")), std::string(message(lang, "ui.col.power")),
         std::string(message(lang, "ui.col.reason"))},
        {false, false, false, true, false, true, false});
    o << "<tbody>\n";
    for (const auto& c : report.components) {
        std::string stat = c.statistic;
        if (!stat.empty() && c.statistic_value)
            stat.append(" ").append(fixed(*c.statistic_value, 3));
        o << "<tr><td class=\"mono name\">" << html(c.name) << "</td><td><span class=\"pill "
          << tone_class(relation_tone(c.relation)) << "\">"
          << html(detail::relation_label(lang, c.relation))
          << "</span></td><td class=\"mono name\">" << html(detail::source_text(c))
          << "</td><td class=\"num\">" << html(p_value_text(c.p_value))
          << "</td><td class=\"stat\">" << html(stat) << "</td><td class=\"num\">" << html(c.power)
          << "</td><td class=\"wide\">" << html(c.reason) << "</td></tr>\n";
    }
    o << "</tbody></table></div></section>\n";
}

void repro(std::ostringstream& o, const Report& report) {
    const Language lang = report.language;
    const ReproRecord& r = report.repro;
    o << "<section class=\"card\" id=\"reproducibility\"><h2>"
      << html(message(lang, "ui.repro.title")) << "</h2>\n<p>"
      << html(message(lang, "ui.repro.intro")) << "</p>\n<dl class=\"kv\">"
      << "<dt>" << html(message(lang, "ui.repro.tool")) << "</dt><dd>lineage "
      << html(r.tool_version) << " <span class=\"mono\">(" << html(r.git_revision)
      << ")</span></dd>"
      << "<dt>" << html(message(lang, "ui.repro.build")) << "</dt><dd>" << html(r.build_type)
      << ", " << html(r.compiler) << (r.cuda_built ? ", CUDA" : "") << "</dd>"
      << "<dt>" << html(message(lang, "ui.policy")) << "</dt><dd><code>" << html(r.policy_name)
      << "</code> " << html(r.policy_version) << "</dd>"
      << "<dt>" << html(message(lang, "ui.repro.generated")) << "</dt><dd>" << html(r.generated_at)
      << "</dd>"
      << "<dt>" << html(message(lang, "ui.repro.command")) << "</dt><dd><code>" << html(r.command)
      << "</code></dd></dl>\n";
    if (!r.artifacts.empty()) {
        o << "<div class=\"scroll\"><table><caption>" << html(message(lang, "ui.repro.artifacts"))
          << "</caption>";
        table_head(
            o,
            {std::string(message(lang, "ui.col.role")), std::string(message(lang, "ui.col.label")),
             std::string(message(lang, "ui.col.path")),
             std::string(message(lang, "ui.col.digest"))},
            {});
        o << "<tbody>\n";
        for (const auto& a : r.artifacts) {
            o << "<tr><td>" << html(detail::artifact_role_label(lang, a.role)) << "</td><td>"
              << html(a.label) << "</td><td class=\"mono\">" << html(a.path)
              << "</td><td class=\"mono\">" << html(a.digest.empty() ? "n/a" : a.digest)
              << "</td></tr>\n";
        }
        o << "</tbody></table></div>\n";
    }
    auto params = detail::sorted_parameters(r);
    auto seeds = detail::sorted_seeds(r);
    if (!params.empty() || !seeds.empty()) {
        o << "<div class=\"scroll\"><table><caption>" << html(message(lang, "ui.repro.parameters"))
          << "</caption>";
        table_head(
            o,
            {std::string(message(lang, "ui.col.name")), std::string(message(lang, "ui.col.value"))},
            {false, true});
        o << "<tbody>\n";
        for (const auto& [k, v] : params) {
            o << "<tr><td class=\"mono\">" << html(k) << "</td><td class=\"num mono\">" << html(v)
              << "</td></tr>\n";
        }
        for (const auto& [k, v] : seeds) {
            o << "<tr><td class=\"mono\">" << html(k) << " <span class=\"t-muted\">("
              << html(message(lang, "ui.repro.seed")) << ")</span></td><td class=\"num mono\">"
              << html(v) << "</td></tr>\n";
        }
        o << "</tbody></table></div>\n";
    }
    o << "</section>\n";
}

}  // namespace

std::string render_html(const Report& report) {
    const Language lang = report.language;
    std::ostringstream o;
    o << "<!DOCTYPE html>\n<html lang=\"" << language_code(lang)
      << "\">\n<head>\n<meta charset=\"utf-8\">\n"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      << "<meta name=\"generator\" content=\"lineage " << html(report.repro.tool_version) << "\">\n"
      << "<title>" << html(report.title) << " — "
      << html(detail::outcome_label(lang, report.verdict.outcome)) << "</title>\n<style>" << kStyle
      << "</style>\n</head>\n<body>\n<div class=\"page\">\n";

    o << "<header class=\"top\"><div class=\"brand\">" << html(message(lang, "ui.brand"))
      << "</div><h1>" << html(report.title) << "</h1>";
    if (!report.subject.empty()) o << "<p class=\"subject\">" << html(report.subject) << "</p>";
    o << "</header>\n";
    banner(o, report);

    // Contents: fixed parts and the audit's sections, each an in-page anchor.
    o << "<nav class=\"toc\"><div class=\"t\">" << html(message(lang, "ui.contents"))
      << "</div><ol>"
      << "<li><a href=\"#policy-findings\">" << html(message(lang, "ui.findings.title"))
      << "</a></li>"
      << "<li><a href=\"#components\">" << html(message(lang, "ui.components.title"))
      << "</a></li>";
    for (const auto& s : report.sections) {
        o << "<li><a href=\"#" << anchor(s.id) << "\">" << html(s.title) << "</a></li>";
    }
    o << "<li><a href=\"#reproducibility\">" << html(message(lang, "ui.repro.title"))
      << "</a></li></ol></nav>\n";

    findings(o, report);
    components(o, report);
    int figure_counter = 0;
    for (const auto& s : report.sections) {
        o << "<section class=\"card\" id=\"" << anchor(s.id) << "\"><h2>" << html(s.title)
          << "</h2>\n";
        for (const auto& b : s.blocks) std::visit(BlockRenderer{o, lang, figure_counter}, b);
        o << "</section>\n";
    }
    repro(o, report);
    o << "<footer>"
      << html(format(lang, "ui.footer", {report.repro.tool_version, report.repro.git_revision}))
      << "</footer>\n</div>\n</body>\n</html>\n";
    return o.str();
}

}  // namespace lineage::reports
