// Inline SVG for the HTML report's figures: heatmaps (a colour grid with tick labels, a legend and
// outlined cells for the aligned layer map, each cell with a hover title) and bar/line charts with
// shaded reference bands. Pure functions of the figure; sizes adapt to the number of
// rows/categories.
#pragma once

#include <string>

#include "reports/document.h"

namespace lineage::reports::detail {

// `id` makes the page's gradient ids unique.
std::string heatmap_svg(const Heatmap& h, int id, Language lang);
std::string chart_svg(const Chart& c);
// The colour used for series `index` of a chart (its tone's colour, else a palette entry).
std::string series_colour(const Series& s, std::size_t index);
// The sequential colour scale of heatmaps, t in [0, 1] -> "#rrggbb".
std::string scale_colour(double t);

}  // namespace lineage::reports::detail
