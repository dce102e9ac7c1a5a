// SVG drawing of heatmaps and charts. Coordinates print with one decimal through fixed(), so the
// markup is identical from run to run. Text widths are estimated (7 px per character at 12 px),
// which is enough to space tick labels without a font engine.
#include "reports/svg_figures.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <sstream>

#include "reports/number_format.h"
#include "reports/render_common.h"

namespace lineage::reports::detail {

namespace {

constexpr double kCharWidth = 7.0;
constexpr std::string_view kInk = "#1d2433";
constexpr std::string_view kMuted = "#5b6476";
constexpr std::string_view kGrid = "#e3e6ec";

std::string n1(double v) {
    return fixed(v, 1);
}

std::size_t longest(const std::vector<std::string>& labels) {
    std::size_t m = 0;
    for (const auto& l : labels) {
        // UTF-8 continuation bytes do not advance the pen; wide (CJK) glyphs count about twice.
        std::size_t w = 0;
        for (unsigned char c : l) {
            if ((c & 0xC0) != 0x80) w += c >= 0xE0 ? 2 : 1;
        }
        m = std::max(m, w);
    }
    return m;
}

// How many labels to skip so that neighbours do not overlap.
std::size_t label_step(double spacing, std::size_t chars) {
    double need = static_cast<double>(chars) * kCharWidth + 6.0;
    return spacing >= need ? 1 : static_cast<std::size_t>(std::ceil(need / spacing));
}

// Digits for axis labels over [lo, hi].
int axis_digits(double lo, double hi) {
    double range = std::fabs(hi - lo);
    return range <= 1.0 ? 2 : range <= 10.0 ? 1 : 0;
}

void open_svg(std::ostringstream& o, double w, double h, std::string_view title) {
    // Inline SVG in HTML needs no xmlns, and leaving it out keeps the page free of any URL.
    o << "<svg viewBox=\"0 0 " << n1(w) << ' ' << n1(h) << "\" width=\"" << n1(w) << "\" height=\""
      << n1(h) << "\" role=\"img\" aria-label=\"" << html(title) << "\" font-size=\"12\">\n";
}

}  // namespace

std::string scale_colour(double t) {
    // A perceptually ordered light-to-dark blue-violet ramp (readable in greyscale print).
    static constexpr std::array<std::array<double, 3>, 6> stops{{{247, 251, 255},
                                                                 {198, 219, 239},
                                                                 {107, 174, 214},
                                                                 {49, 130, 189},
                                                                 {8, 81, 156},
                                                                 {37, 22, 94}}};
    if (!std::isfinite(t)) t = 0;
    t = std::clamp(t, 0.0, 1.0);
    double pos = t * (stops.size() - 1);
    std::size_t i = std::min<std::size_t>(static_cast<std::size_t>(pos), stops.size() - 2);
    double f = pos - static_cast<double>(i);
    char buf[8];
    int rgb[3];
    for (int k = 0; k < 3; ++k) {
        rgb[k] = static_cast<int>(std::lround(stops[i][k] + f * (stops[i + 1][k] - stops[i][k])));
    }
    std::snprintf(buf, sizeof buf, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
    return buf;
}

std::string series_colour(const Series& s, std::size_t index) {
    switch (s.tone) {
        case Tone::good:
            return "#1e7a34";
        case Tone::bad:
            return "#b3261e";
        case Tone::warn:
            return "#d48806";
        case Tone::muted:
            return "#9aa3b2";
        case Tone::neutral:
            break;
    }
    static constexpr std::array<std::string_view, 5> palette{"#1f5fa8", "#7b4fa0", "#14838a",
                                                             "#b5527a", "#5a6b7d"};
    return std::string(palette[index % palette.size()]);
}

std::string heatmap_svg(const Heatmap& h, int id, Language lang) {
    std::ostringstream o;
    const std::size_t rows = h.rows(), cols = h.columns();
    if (rows == 0 || cols == 0) return "<p>" + html(message(lang, "ui.heatmap.empty")) + "</p>";
    const double cell =
        std::clamp(std::floor(600.0 / static_cast<double>(std::max(rows, cols))), 6.0, 44.0);
    const double row_tick_w =
        std::min(140.0, static_cast<double>(longest(h.row_ticks)) * kCharWidth + 10);
    const double left = 30 + row_tick_w, top = 10;
    const double gw = cell * static_cast<double>(cols), gh = cell * static_cast<double>(rows);
    const double bottom = 48, right = 96;
    const double width = left + gw + right, height = top + gh + bottom;
    const double lo = h.scale_min, hi = h.scale_max > h.scale_min ? h.scale_max : h.scale_min + 1;
    const bool values_inside = cell >= 30 && cols <= 16;

    open_svg(o, width, height, h.title);
    o << "<defs><linearGradient id=\"hm" << id << "-scale\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">";
    for (int k = 0; k <= 10; ++k) {
        o << "<stop offset=\"" << fixed(k / 10.0, 1) << "\" stop-color=\"" << scale_colour(k / 10.0)
          << "\"/>";
    }
    o << "</linearGradient></defs>\n<g shape-rendering=\"crispEdges\">\n";
    for (std::size_t r = 0; r < rows; ++r) {
        for (std::size_t c = 0; c < cols; ++c) {
            double v = heatmap_value(h, r, c);
            double x = left + cell * static_cast<double>(c),
                   y = top + cell * static_cast<double>(r);
            std::string fill = std::isfinite(v) ? scale_colour((v - lo) / (hi - lo)) : "#eceef2";
            o << "<rect x=\"" << n1(x) << "\" y=\"" << n1(y) << "\" width=\"" << n1(cell)
              << "\" height=\"" << n1(cell) << "\" fill=\"" << fill << "\"><title>"
              << html(h.row_label) << ' ' << html(h.row_ticks[r]) << " × " << html(h.column_label)
              << ' ' << html(h.column_ticks[c]) << ": " << fixed(v, 3) << "</title></rect>\n";
        }
    }
    o << "</g>\n";
    if (values_inside) {
        o << "<g font-size=\"10\" text-anchor=\"middle\">";
        for (std::size_t r = 0; r < rows; ++r) {
            for (std::size_t c = 0; c < cols; ++c) {
                double v = heatmap_value(h, r, c);
                if (!std::isfinite(v)) continue;
                double t = (v - lo) / (hi - lo);
                o << "<text x=\"" << n1(left + cell * (c + 0.5)) << "\" y=\""
                  << n1(top + cell * (r + 0.5) + 3.5) << "\" fill=\""
                  << (t > 0.5 ? "#ffffff" : std::string(kInk)) << "\">" << fixed(v, 2) << "</text>";
            }
        }
        o << "</g>\n";
    }
    // The aligned layer map: outlined cells.
    if (!h.marked.empty()) {
        o << "<g fill=\"none\" stroke=\"#e4572e\" stroke-width=\"2\">";
        for (const auto& [r, c] : h.marked) {
            if (r < 0 || c < 0 || static_cast<std::size_t>(r) >= rows ||
                static_cast<std::size_t>(c) >= cols)
                continue;
            o << "<rect x=\"" << n1(left + cell * c + 1) << "\" y=\"" << n1(top + cell * r + 1)
              << "\" width=\"" << n1(cell - 2) << "\" height=\"" << n1(cell - 2) << "\"/>";
        }
        o << "</g>\n";
    }
    o << "<rect x=\"" << n1(left) << "\" y=\"" << n1(top) << "\" width=\"" << n1(gw)
      << "\" height=\"" << n1(gh) << "\" fill=\"none\" stroke=\"#b8bfcc\"/>\n";

    // Tick labels: rows on the left, columns below, thinned so they never overlap.
    std::size_t rstep = cell >= 13 ? 1 : static_cast<std::size_t>(std::ceil(13.0 / cell));
    o << "<g fill=\"" << kMuted << "\" text-anchor=\"end\">";
    for (std::size_t r = 0; r < rows; r += rstep) {
        o << "<text x=\"" << n1(left - 5) << "\" y=\"" << n1(top + cell * (r + 0.5) + 4) << "\">"
          << html(h.row_ticks[r]) << "</text>";
    }
    o << "</g>\n";
    std::size_t cstep = label_step(cell, longest(h.column_ticks));
    o << "<g fill=\"" << kMuted << "\" text-anchor=\"middle\">";
    for (std::size_t c = 0; c < cols; c += cstep) {
        o << "<text x=\"" << n1(left + cell * (c + 0.5)) << "\" y=\"" << n1(top + gh + 15) << "\">"
          << html(h.column_ticks[c]) << "</text>";
    }
    o << "</g>\n";
    // Axis titles.
    o << "<text x=\"" << n1(left + gw / 2) << "\" y=\"" << n1(top + gh + 38)
      << "\" text-anchor=\"middle\" fill=\"" << kInk << "\" font-weight=\"600\">"
      << html(h.column_label) << "</text>\n";
    o << "<text transform=\"translate(14 " << n1(top + gh / 2)
      << ") rotate(-90)\" text-anchor=\"middle\" fill=\"" << kInk << "\" font-weight=\"600\">"
      << html(h.row_label) << "</text>\n";
    // Legend: the colour scale with its end values.
    const double lx = left + gw + 18, lh = std::min(gh, 180.0);
    o << "<rect x=\"" << n1(lx) << "\" y=\"" << n1(top) << "\" width=\"14\" height=\"" << n1(lh)
      << "\" fill=\"url(#hm" << id << "-scale)\" stroke=\"#b8bfcc\"/>\n";
    int digits = axis_digits(lo, hi);
    o << "<g fill=\"" << kMuted << "\"><text x=\"" << n1(lx + 20) << "\" y=\"" << n1(top + 9)
      << "\">" << fixed(hi, digits) << "</text><text x=\"" << n1(lx + 20) << "\" y=\""
      << n1(top + lh) << "\">" << fixed(lo, digits) << "</text></g>\n";
    if (!h.value_label.empty()) {
        o << "<text transform=\"translate(" << n1(lx + 60) << ' ' << n1(top + lh / 2)
          << ") rotate(90)\" text-anchor=\"middle\" fill=\"" << kMuted << "\" font-size=\"11\">"
          << html(h.value_label) << "</text>\n";
    }
    o << "</svg>\n";
    return o.str();
}

std::string chart_svg(const Chart& c) {
    std::ostringstream o;
    const std::size_t n = c.categories.size();
    const double width = 760, left = 58, right = 16, top = 12;
    const double pw = width - left - right;
    const double group = pw / static_cast<double>(std::max<std::size_t>(n, 1));
    const std::size_t chars = longest(c.categories);
    const std::size_t xstep = label_step(group, chars);
    const double ph = 220, bottom = 52;
    const double height = top + ph + bottom;
    const double lo = c.y_min, hi = c.y_max > c.y_min ? c.y_max : c.y_min + 1;
    auto y_of = [&](double v) {
        return top + ph * (1.0 - (std::clamp(v, lo, hi) - lo) / (hi - lo));
    };

    open_svg(o, width, height, c.title);
    // Grid and y-axis labels.
    int digits = axis_digits(lo, hi);
    o << "<g stroke=\"" << kGrid << "\">";
    for (int k = 0; k <= 4; ++k) {
        double y = top + ph * k / 4.0;
        o << "<line x1=\"" << n1(left) << "\" x2=\"" << n1(left + pw) << "\" y1=\"" << n1(y)
          << "\" y2=\"" << n1(y) << "\"/>";
    }
    o << "</g>\n<g fill=\"" << kMuted << "\" text-anchor=\"end\">";
    for (int k = 0; k <= 4; ++k) {
        double v = hi - (hi - lo) * k / 4.0;
        o << "<text x=\"" << n1(left - 6) << "\" y=\"" << n1(top + ph * k / 4.0 + 4) << "\">"
          << fixed(v, digits) << "</text>";
    }
    o << "</g>\n";
    // Reference bands (e.g. the range independent pairs take), under the data.
    for (const auto& b : c.bands) {
        double y1 = y_of(b.high), y2 = y_of(b.low);
        o << "<rect x=\"" << n1(left) << "\" y=\"" << n1(y1) << "\" width=\"" << n1(pw)
          << "\" height=\"" << n1(std::max(1.5, y2 - y1))
          << "\" fill=\"#9aa3b2\" fill-opacity=\"0.25\"><title>" << html(b.label) << ": "
          << fixed(b.low, 3) << "–" << fixed(b.high, 3) << "</title></rect>\n";
        o << "<text x=\"" << n1(left + pw - 4) << "\" y=\"" << n1(y1 - 3)
          << "\" text-anchor=\"end\" fill=\"" << kMuted << "\" font-size=\"11\">" << html(b.label)
          << "</text>\n";
    }
    const std::size_t ns = std::max<std::size_t>(c.series.size(), 1);
    if (c.kind == ChartKind::bar) {
        const double bw = group * 0.72 / static_cast<double>(ns);
        const double base = y_of(std::clamp(0.0, lo, hi));
        for (std::size_t s = 0; s < c.series.size(); ++s) {
            const Series& se = c.series[s];
            o << "<g fill=\"" << series_colour(se, s) << "\">";
            for (std::size_t i = 0; i < n && i < se.values.size(); ++i) {
                double v = se.values[i];
                if (!std::isfinite(v)) continue;
                double x = left + group * i + group * 0.14 + bw * s;
                double y = y_of(v);
                o << "<rect x=\"" << n1(x) << "\" y=\"" << n1(std::min(y, base)) << "\" width=\""
                  << n1(bw) << "\" height=\"" << n1(std::max(0.8, std::fabs(base - y)))
                  << "\"><title>" << html(c.categories[i]) << " · " << html(se.name) << ": "
                  << fixed(v, 3) << "</title></rect>";
            }
            o << "</g>\n";
        }
    } else {
        for (std::size_t s = 0; s < c.series.size(); ++s) {
            const Series& se = c.series[s];
            std::string colour = series_colour(se, s);
            // A missing value breaks the line into separate runs.
            std::string points;
            auto flush = [&] {
                if (!points.empty()) {
                    o << "<polyline fill=\"none\" stroke=\"" << colour
                      << "\" stroke-width=\"2\" points=\"" << points << "\"/>\n";
                }
                points.clear();
            };
            for (std::size_t i = 0; i < n && i < se.values.size(); ++i) {
                double v = se.values[i];
                if (!std::isfinite(v)) {
                    flush();
                    continue;
                }
                points +=
                    (points.empty() ? "" : " ") + n1(left + group * (i + 0.5)) + "," + n1(y_of(v));
            }
            flush();
            o << "<g fill=\"" << colour << "\">";
            for (std::size_t i = 0; i < n && i < se.values.size(); ++i) {
                double v = se.values[i];
                if (!std::isfinite(v)) continue;
                o << "<circle cx=\"" << n1(left + group * (i + 0.5)) << "\" cy=\"" << n1(y_of(v))
                  << "\" r=\"3\"><title>" << html(c.categories[i]) << " · " << html(se.name) << ": "
                  << fixed(v, 3) << "</title></circle>";
            }
            o << "</g>\n";
        }
    }
    // Axes and labels.
    o << "<line x1=\"" << n1(left) << "\" x2=\"" << n1(left + pw) << "\" y1=\"" << n1(top + ph)
      << "\" y2=\"" << n1(top + ph) << "\" stroke=\"#8a93a3\"/>\n";
    o << "<g fill=\"" << kMuted << "\" text-anchor=\"middle\">";
    for (std::size_t i = 0; i < n; i += xstep) {
        o << "<text x=\"" << n1(left + group * (i + 0.5)) << "\" y=\"" << n1(top + ph + 16) << "\">"
          << html(c.categories[i]) << "</text>";
    }
    o << "</g>\n";
    o << "<text x=\"" << n1(left + pw / 2) << "\" y=\"" << n1(top + ph + 40)
      << "\" text-anchor=\"middle\" fill=\"" << kInk << "\" font-weight=\"600\">" << html(c.x_label)
      << "</text>\n";
    o << "<text transform=\"translate(14 " << n1(top + ph / 2)
      << ") rotate(-90)\" text-anchor=\"middle\" fill=\"" << kInk << "\" font-weight=\"600\">"
      << html(c.y_label) << "</text>\n";
    o << "</svg>\n";
    return o.str();
}

}  // namespace lineage::reports::detail
