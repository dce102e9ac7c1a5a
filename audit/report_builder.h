// Fills a reports::Report from an AuditResult in one language: the verdict banner and its one-line
// reason, the machine record of component verdicts and policy findings, the reproducibility record,
// and the sections a reviewer reads (summary, weight evidence with layer heatmaps, tokenizer,
// behavioural similarity, known pitfalls with this model's figures, how to read the report). All
// text comes from the message tables in reports/i18n; all numbers through reports/number_format.
#pragma once

#include "audit/audit_result.h"
#include "reports/document.h"

namespace lineage::audit {

reports::Report build_report(const AuditResult& result, reports::Language lang);

}  // namespace lineage::audit
