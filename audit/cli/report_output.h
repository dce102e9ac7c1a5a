// What the report-writing subcommands (audit, chain) share at the end of a run: progress lines on
// a terminal only (pipes and batch logs stay clean), and writing the report files and/or printing
// the JSON record.
#pragma once

#include <string>

#include "audit/audit_run.h"
#include "reports/document.h"

namespace lineage::cli {

// A progress callback that prints "lineage: <step>..." to stderr when it is a terminal; empty
// otherwise.
audit::Progress terminal_progress();

// Writes report.json/.md/.html into `out` (when not empty, atomically) and prints the JSON record
// when `json`. Returns true when the JSON was printed, so the caller prints its own summary
// otherwise.
bool emit_report(const reports::Report& report, const std::string& out, bool json,
                 reports::Language lang, const audit::Progress& progress);

}  // namespace lineage::cli
