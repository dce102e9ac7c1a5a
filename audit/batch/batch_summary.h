// `lineage batch collect DIR`: one row per item of a batch output folder (result_store.h) — from
// the latest manifest, in its order, then any other finished items by id — with its state, the
// audit's verdict and component counts (from report.json), and the error of failed items; counts by
// state and verdict; written as summary.csv, summary.json and index.html (a self-contained table
// linking each item's report.html) into DIR, each atomically.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace lineage::audit::batch {

struct SummaryRow {
    std::string id;
    std::string path;
    std::string state;    // done / failed / partial / pending
    std::string verdict;  // pass / fail / inconclusive (done only)
    std::optional<int> exit_code;
    std::optional<int> signal;
    std::string error;  // failed only
    double seconds = 0;
    std::size_t derived = 0, independent = 0, inconclusive = 0;  // components, from report.json
    bool has_report = false;                                     // items/<id>/report.html exists
};

struct BatchSummary {
    std::vector<SummaryRow> rows;
    std::size_t done = 0, failed = 0, partial = 0, pending = 0;
    std::size_t pass = 0, fail = 0, inconclusive = 0;
};

// Reads DIR; throws InputError when DIR is not a batch output folder.
BatchSummary collect_batch(const std::filesystem::path& dir);

std::string summary_csv(const BatchSummary& s);   // RFC 4180, header row first
std::string summary_json(const BatchSummary& s);  // schema "lineage.batch-summary" 1
std::string summary_html(const BatchSummary& s);  // links are relative to DIR

// Writes the three files into DIR.
void write_summary(const BatchSummary& s, const std::filesystem::path& dir);

}  // namespace lineage::audit::batch
