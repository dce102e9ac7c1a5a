// Fills a reports::Report from a ChainResult in one language: the verdict banner (proven = pass;
// broken, origin not independent, not bound = fail; inconclusive), the machine record (one
// component row per checkpoint: its relation to its predecessor, the origin's to the bases), the
// timeline (step -> tokens, distance from the start, dependence on the predecessor, similarity to
// each base) with a distance chart, the origin (initialisation check and bases), the binding and
// the reproducibility record. Texts come from reports/i18n ("chain." keys).
#pragma once

#include "audit/chain/chain_result.h"
#include "reports/document.h"

namespace lineage::audit {

reports::Report build_chain_report(const ChainResult& result, reports::Language lang);

// pass for proven; fail for broken, origin not independent and not bound; else inconclusive.
reports::Outcome chain_outcome(ChainVerdict v);

// The banner's one-line reason in the report's language.
std::string chain_verdict_reason(const ChainResult& r, reports::Language lang);

}  // namespace lineage::audit
