// Collecting a batch output folder into summary.csv / summary.json / index.html (see
// batch_summary.h). Item states come from the markers (result_store.h); verdict and component
// counts from each item's report.json, the audit's own record.
#include "audit/batch/batch_summary.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <sstream>

#include "audit/batch/result_store.h"
#include "reports/json_writer.h"
#include "reports/render_common.h"
#include "weights/core/error.h"
#include "weights/core/json_value.h"

namespace lineage::audit::batch {
namespace fs = std::filesystem;
namespace {

void count_components(const fs::path& report, SummaryRow& row) {
    try {
        const JsonValue v = JsonValue::parse_file(report.string());
        const JsonValue* comps = v.find("components");
        if (comps == nullptr || !comps->is_array()) return;
        for (const auto& c : comps->as_array()) {
            const JsonValue* rel = c.find("relation");
            if (rel == nullptr || !rel->is_string()) continue;
            const std::string& r = rel->as_string();
            if (r == "derived")
                ++row.derived;
            else if (r == "independent")
                ++row.independent;
            else if (r == "inconclusive")
                ++row.inconclusive;
        }
    } catch (const InputError&) {
        // A done item always has a report; a broken one is shown without counts.
    }
}

SummaryRow row_for(const ResultStore& store, const std::string& id, const std::string& path) {
    SummaryRow row;
    row.id = id;
    row.path = path;
    std::optional<ItemRecord> rec;
    try {
        rec = store.record(id);
    } catch (const InputError& e) {
        row.state = "partial";
        row.error = e.what();
        return row;
    }
    if (!rec) {
        row.state = std::string(item_state_name(store.state(id, {})));
        return row;
    }
    row.state = std::string(item_state_name(rec->state));
    if (!rec->path.empty()) row.path = rec->path;
    row.verdict = rec->verdict;
    row.exit_code = rec->exit_code;
    row.signal = rec->signal;
    row.error = rec->error;
    row.seconds = rec->seconds;
    std::error_code ec;
    row.has_report = fs::exists(store.item_dir(id) / "report.html", ec);
    if (rec->state == ItemState::done) count_components(store.item_dir(id) / "report.json", row);
    return row;
}

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

std::string seconds_text(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", s);
    return buf;
}

std::string report_link(const SummaryRow& r) {
    return r.has_report ? "items/" + r.id + "/report.html" : std::string();
}

}  // namespace

BatchSummary collect_batch(const fs::path& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir / "items", ec))
        throw InputError(dir.string(),
                         "not a batch output folder (no items/; run `lineage batch "
                         "run MANIFEST --out DIR` first)");
    const ResultStore store(dir);
    BatchSummary s;
    std::set<std::string> listed;
    for (const auto& item : store.manifest()) {
        s.rows.push_back(row_for(store, item.id, item.path));
        listed.insert(item.id);
    }
    std::vector<std::string> others;  // finished items of earlier manifests
    for (const auto& e : fs::directory_iterator(dir / "items", ec))
        if (e.is_directory() && !listed.count(e.path().filename().string()))
            others.push_back(e.path().filename().string());
    std::sort(others.begin(), others.end());
    for (const auto& id : others) s.rows.push_back(row_for(store, id, ""));

    for (const auto& r : s.rows) {
        if (r.state == "done")
            ++s.done;
        else if (r.state == "failed")
            ++s.failed;
        else if (r.state == "partial")
            ++s.partial;
        else
            ++s.pending;
        if (r.verdict == "pass")
            ++s.pass;
        else if (r.verdict == "fail")
            ++s.fail;
        else if (r.verdict == "inconclusive")
            ++s.inconclusive;
    }
    return s;
}

std::string summary_csv(const BatchSummary& s) {
    std::string out =
        "id,state,verdict,exit_code,derived,independent,inconclusive,seconds,path,report,error\r\n";
    for (const auto& r : s.rows) {
        const bool done = r.state == "done";
        out += csv_field(r.id) + "," + r.state + "," + r.verdict + "," +
               (r.exit_code ? std::to_string(*r.exit_code) : std::string()) + "," +
               (done ? std::to_string(r.derived) : "") + "," +
               (done ? std::to_string(r.independent) : "") + "," +
               (done ? std::to_string(r.inconclusive) : "") + "," +
               (r.state == "done" || r.state == "failed" ? seconds_text(r.seconds) : "") + "," +
               csv_field(r.path) + "," + csv_field(report_link(r)) + "," + csv_field(r.error) +
               "\r\n";
    }
    return out;
}

std::string summary_json(const BatchSummary& s) {
    reports::JsonWriter w;
    w.begin_object();
    w.field("schema", "lineage.batch-summary");
    w.key("schema_version").integer(1);
    w.key("counts").begin_object();
    w.key("items").unsigned_integer(s.rows.size());
    w.key("done").unsigned_integer(s.done);
    w.key("failed").unsigned_integer(s.failed);
    w.key("partial").unsigned_integer(s.partial);
    w.key("pending").unsigned_integer(s.pending);
    w.key("pass").unsigned_integer(s.pass);
    w.key("fail").unsigned_integer(s.fail);
    w.key("inconclusive").unsigned_integer(s.inconclusive);
    w.end_object();
    w.key("items").begin_array();
    for (const auto& r : s.rows) {
        const bool done = r.state == "done";
        w.begin_object();
        w.field("id", r.id);
        w.field("path", r.path);
        w.field("state", r.state);
        w.key("verdict");
        done ? w.string(r.verdict) : w.null();
        w.key("exit_code");
        r.exit_code ? w.integer(*r.exit_code) : w.null();
        w.key("signal");
        r.signal ? w.integer(*r.signal) : w.null();
        w.key("error");
        r.error.empty() ? w.null() : w.string(r.error);
        w.key("components");
        if (done) {
            w.begin_object();
            w.key("derived").unsigned_integer(r.derived);
            w.key("independent").unsigned_integer(r.independent);
            w.key("inconclusive").unsigned_integer(r.inconclusive);
            w.end_object();
        } else {
            w.null();
        }
        w.key("seconds").number(r.seconds);
        w.key("report");
        r.has_report ? w.string(report_link(r)) : w.null();
        w.end_object();
    }
    w.end_array();
    w.end_object();
    return w.take() + "\n";
}

std::string summary_html(const BatchSummary& s) {
    using reports::detail::html;
    std::ostringstream o;
    o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      << "<title>Lineage batch audit</title><style>"
      << "body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
      << "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;"
         "text-align:left}"
      << "th{background:#f3f3f3}.pass{color:#176f2c}.fail{color:#b00020;font-weight:bold}"
      << ".inconclusive{color:#8a6d00}.failed{color:#b00020}.num{text-align:right}"
      << "</style></head><body>\n<h1>Lineage batch audit</h1>\n";
    o << "<p>" << s.rows.size() << " items: " << s.done << " done (" << s.pass << " pass, "
      << s.fail << " fail, " << s.inconclusive << " inconclusive), " << s.failed << " failed, "
      << s.partial << " partial, " << s.pending << " pending.</p>\n";
    o << "<table>\n<tr><th>id</th><th>state</th><th>verdict</th><th>derived</th>"
         "<th>independent</th><th>inconclusive</th><th>seconds</th><th>report</th></tr>\n";
    for (const auto& r : s.rows) {
        const bool done = r.state == "done";
        o << "<tr><td>" << html(r.id) << "</td><td class=\"" << html(r.state) << "\">"
          << html(r.state) << "</td><td class=\"" << html(r.verdict) << "\">" << html(r.verdict)
          << "</td>";
        for (std::size_t n : {r.derived, r.independent, r.inconclusive})
            o << "<td class=\"num\">" << (done ? std::to_string(n) : "") << "</td>";
        o << "<td class=\"num\">" << (done || r.state == "failed" ? seconds_text(r.seconds) : "")
          << "</td><td>";
        if (r.has_report) o << "<a href=\"" << html(report_link(r)) << "\">report</a>";
        o << "</td></tr>\n";
    }
    o << "</table>\n";
    if (s.failed > 0) {
        o << "<h2>Failures</h2>\n<table>\n<tr><th>id</th><th>exit</th><th>error</th></tr>\n";
        for (const auto& r : s.rows) {
            if (r.state != "failed") continue;
            o << "<tr><td>" << html(r.id) << "</td><td class=\"num\">"
              << (r.exit_code ? std::to_string(*r.exit_code)
                  : r.signal  ? "signal " + std::to_string(*r.signal)
                              : std::string())
              << "</td><td>" << html(r.error) << "</td></tr>\n";
        }
        o << "</table>\n";
    }
    o << "</body></html>\n";
    return o.str();
}

void write_summary(const BatchSummary& s, const fs::path& dir) {
    write_file_atomic(dir / "summary.csv", summary_csv(s));
    write_file_atomic(dir / "summary.json", summary_json(s));
    write_file_atomic(dir / "index.html", summary_html(s));
}

}  // namespace lineage::audit::batch
