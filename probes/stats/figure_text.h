// A statistic as it appears inside a probe's notes and reasons: `prec` significant digits, the
// stream's shortest form (0.0601, 1.29e+06). Reports format their own tables (reports/number_format.h);
// this is only for the sentences a probe writes itself.
#pragma once

#include <sstream>
#include <string>

namespace lineage::probes::stats {

inline std::string figure_text(double v, int prec = 3) {
    std::ostringstream s;
    s.precision(prec);
    s << v;
    return s.str();
}

}  // namespace lineage::probes::stats
