// Looking up the compiled-in null ranges (see null_ranges.h).
#include "probes/tokenizer/null_ranges.h"

#include <cstdio>

#include "probes/tokenizer/null_ranges_table.h"

namespace lineage::probes {

NullRange null_range(std::string_view statistic, double size_ratio) {
    for (const NullRangeRow& row : kNullRangeRows) {
        if (statistic != row.statistic) continue;
        if (size_ratio >= row.ratio_lo && (size_ratio < row.ratio_hi || (row.ratio_hi >= 1.0 && size_ratio <= 1.0)))
            return NullRange{row.lo, row.hi, row.pairs, row.bin};
    }
    return NullRange{};
}

std::string with_null_range(double value, std::string_view statistic, double size_ratio, int digits) {
    char buf[160];
    NullRange r = null_range(statistic, size_ratio);
    if (r.pairs == 0) {
        std::snprintf(buf, sizeof buf, "%.*f (no null calibration for this size ratio)", digits, value);
    } else {
        std::snprintf(buf, sizeof buf, "%.*f (unrelated pairs: %.*f-%.*f, n=%d, size ratio %.*s)", digits, value,
                      digits, r.lo, digits, r.hi, r.pairs, static_cast<int>(r.bin.size()), r.bin.data());
    }
    return buf;
}

}  // namespace lineage::probes
