// Helpers shared by the Markdown and HTML renderers: the fixed labels every rendering prints
// (looked up in the report's language) and the sorted views of the reproducibility record.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "reports/document.h"

namespace lineage::reports::detail {

std::string_view outcome_label(Language lang, Outcome o);    // "PASS" / "통과"
std::string_view relation_label(Language lang, Relation r);  // "derived" / "파생"
std::string_view severity_label(Language lang, std::string_view severity);
std::string_view note_label(Language lang, NoteKind k);
std::string_view artifact_role_label(Language lang, std::string_view role);

// Parameters and seeds as printable (key, value) pairs, sorted by key.
std::vector<std::pair<std::string, std::string>> sorted_parameters(const ReproRecord& r);
std::vector<std::pair<std::string, std::string>> sorted_seeds(const ReproRecord& r);

// The source column of a component row: "base: component", or "" when not derived.
std::string source_text(const ComponentRecord& c);

// Text and attribute values for HTML and SVG: & < > " ' = become entities, and so does the ':'
// after a URL scheme name, so that no "https:" or "src=" appears literally in the page.
std::string html(std::string_view s);

// The value of heatmap cell (r, c), NaN when outside the stored values.
double heatmap_value(const Heatmap& h, std::size_t r, std::size_t c);

}  // namespace lineage::reports::detail
