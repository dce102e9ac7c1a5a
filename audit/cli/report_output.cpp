// Report output shared by the audit and chain subcommands (see report_output.h).
#include "audit/cli/report_output.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "reports/render.h"

namespace lineage::cli {

audit::Progress terminal_progress() {
    if (::isatty(STDERR_FILENO) != 1) return {};
    return [](const std::string& step) { std::fprintf(stderr, "lineage: %s...\n", step.c_str()); };
}

bool emit_report(const reports::Report& report, const std::string& out, bool json,
                 reports::Language lang, const audit::Progress& progress) {
    if (!out.empty()) {
        if (progress) progress(std::string(reports::message(lang, "cli.progress.report")));
        audit::write_report_files(report, out);
    }
    if (json) std::cout << reports::render_json(report);
    return json;
}

}  // namespace lineage::cli
