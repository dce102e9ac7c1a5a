// Exact linear assignment: given a rows x cols cost matrix, the one-to-one matching of rows to
// columns with the smallest (or largest) total. Used by the weight probe to match MLP neurons
// (11,008 x 11,008 per layer for a 7B model), experts, layers and hidden dimensions.
//
// Solver: Jonker-Volgenant (LAPJV, 1987): column reduction with reduction transfer, two passes of
// augmenting row reduction, then shortest augmenting paths (Dijkstra on reduced costs) for the rows
// still free. Before any of that the cheap optimality certificate is tried: when every row's best
// column is distinct, that matching is optimal (each row gets its own minimum, a lower bound on any
// matching), found in one O(n^2) pass - the common case when one model is derived from the other.
// That pass (assignment_scan.h) also checks finiteness and reads the matrix exactly once, at
// memory speed; an exact solver cannot read less (any unread entry could undercut the matching).
// When only a few rows collide, the row minima from the same pass seed the duals instead of the
// column reduction, so only the colliding rows need augmenting paths.
// Rectangular problems are solved as they are (no padding): with rows < cols every row gets a
// column and the shortest augmenting paths are short (most columns stay free), which is what makes
// matching a subset of one model's neurons against all of the other's cheap; with rows > cols the
// transpose is solved and rows left without a column get -1. The shortest-path phase runs as
// vector passes over contiguous arrays (assignment_kernels.h). Costs must be finite (NaN/inf throw
// InputError).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace lineage::probes::stats {

enum class Objective { minimize, maximize };

struct Assignment {
    std::vector<std::int32_t> row_to_col;  // (rows), -1 where a row got no column (rows > cols)
    double total = 0.0;                    // sum of the chosen entries of the input matrix
    bool certified = false;                // solved by the distinct-best-column certificate alone
    std::int64_t collisions = 0;           // rows whose best column another row also wanted
};

// `cost` is row-major (rows x cols). float and double overloads solve in the input precision.
// `threads` > 1 splits the first pass (row scan + certificate) over that many threads; the default
// is one, since callers usually solve several matrices in parallel already (one per layer pair).
Assignment solve_assignment(const double* cost, std::int64_t rows, std::int64_t cols,
                            Objective objective = Objective::minimize, unsigned threads = 1);
Assignment solve_assignment(const float* cost, std::int64_t rows, std::int64_t cols,
                            Objective objective = Objective::minimize, unsigned threads = 1);

// The certificate alone: the row-wise best columns if they are all distinct, else nullopt.
std::optional<std::vector<std::int32_t>> certified_matching(const float* cost, std::int64_t rows,
                                                            std::int64_t cols, Objective objective);

}  // namespace lineage::probes::stats
