// The one streaming pass every linear assignment starts with: for each row of a row-major cost
// matrix, its best column (smallest cost, or largest for maximisation; the first one on ties) and
// that value, plus whether every entry is finite. When the best columns are all distinct, this
// pass alone solves the assignment (the certificate in assignment.h), so on related matrices it is
// the whole cost of the solve: it reads the matrix exactly once, in lanes the compiler vectorises
// (one cache line of independent running bests per row), and it can split the rows over threads.
#pragma once

#include <cstdint>
#include <vector>

namespace lineage::probes::stats {

template <typename T>
struct RowBests {
    std::vector<std::int64_t> col;  // (rows) best column of each row
    std::vector<T> value;           // (rows) the entry there
    bool finite = true;             // false when any entry is NaN or infinite (then col/value are
                                    // meaningless: the caller rejects the matrix)
};

// `threads` > 1 splits the rows into blocks scanned in parallel (the matrix is read once either way).
RowBests<float> scan_rows(const float* cost, std::int64_t rows, std::int64_t cols, bool maximize,
                          unsigned threads = 1);
RowBests<double> scan_rows(const double* cost, std::int64_t rows, std::int64_t cols, bool maximize,
                           unsigned threads = 1);

}  // namespace lineage::probes::stats
