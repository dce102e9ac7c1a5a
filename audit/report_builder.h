// Fills a reports::Report from an AuditResult in one language: the verdict banner and its one-line
// reason, the machine record of component verdicts and policy findings, the reproducibility record,
// and the sections a reviewer reads (summary, weight evidence with layer heatmaps, tokenizer,
// behavioural similarity, known pitfalls with this model's figures, how to read the report). All
// text comes from the message tables in reports/i18n; all numbers through reports/number_format.
#pragma once

#include <string>

#include "audit/audit_result.h"
#include "reports/document.h"

namespace lineage::audit {

reports::Report build_report(const AuditResult& result, reports::Language lang);

// The part of a reproducibility record that describes this build of the tool (version, git
// revision, build type, compiler, CUDA), with the run's time and command; callers add artifacts.
reports::ReproRecord tool_repro_record(const std::string& generated_at, const std::string& command);

}  // namespace lineage::audit
