// The three renderings of a Report. Each is a pure function of the Report (no clock, no
// environment), so the same Report always gives the same bytes.
//   JSON      the machine record, schema in reports/SCHEMA.md (kSchemaVersion below)
//   Markdown  for review tools and terminals (GitHub-flavoured tables)
//   HTML      one self-contained page: inline CSS and SVG, no scripts, no external requests
#pragma once

#include <string>
#include <string_view>

#include "reports/document.h"

namespace lineage::reports {

inline constexpr std::string_view kSchemaName = "lineage.audit-report";
inline constexpr std::string_view kSchemaVersion = "1.0.0";

std::string render_json(const Report& report);
std::string render_markdown(const Report& report);
std::string render_html(const Report& report);

}  // namespace lineage::reports
