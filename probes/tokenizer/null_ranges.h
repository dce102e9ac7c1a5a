// Null ranges of the tokenizer statistics: the values pairs of tokenizers with no lineage between
// them reach, measured on real unrelated published tokenizers and on tokenizers trained from
// scratch with the `tokenizers` library (tools/calibration/), grouped by vocabulary-size ratio
// (smaller / larger count of compared tokens). The table is compiled in from
// null_ranges_table.h, generated from null_ranges.json by tools/calibration/make_null_table.py.
// Every figure Lineage prints stands beside its range.
#pragma once

#include <string>
#include <string_view>

namespace lineage::probes {

struct NullRange {
    double lo = 0.0, hi = 0.0;
    int pairs = 0;          // unrelated pairs measured (0: no calibration for this bin)
    std::string_view bin;   // the size-ratio bin, e.g. "0.70-1.00"
};

// Statistic names: "jaccard", "containment" (smaller inside larger), "lis", "equal_ids",
// "offset_coverage", "merge_prefix", "merge_rank_correlation".
NullRange null_range(std::string_view statistic, double size_ratio);

// "0.98 (unrelated pairs: 0.01-0.05, n=12)" style text.
std::string with_null_range(double value, std::string_view statistic, double size_ratio, int digits = 3);

}  // namespace lineage::probes
