// Linear assignment on random matrices, against two independent references: brute force over all
// injections (small, square and rectangular in both directions) and a textbook O(n^2 m) Hungarian
// method with potentials (larger, rows <= cols), on matrices with many ties (small integers, where
// the vectorised shortest-path passes must still find an optimum), Gaussian costs, both
// precisions and both objectives. Also the rectangular wide case the neuron-matching subset
// creates (few rows, many columns), and rejection of -inf / NaN anywhere.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "probes/stats/assignment.h"
#include "probes/stats/random.h"
#include "weights/core/error.h"

using namespace lineage::probes::stats;

namespace {

// Smallest total over all injections of the smaller side into the larger one.
double brute_force(const std::vector<double>& c, int rows, int cols) {
    const int small = std::min(rows, cols), large = std::max(rows, cols);
    std::vector<int> p(large);
    std::iota(p.begin(), p.end(), 0);
    double best = std::numeric_limits<double>::infinity();
    do {
        double s = 0;
        for (int k = 0; k < small; ++k) s += rows <= cols ? c[k * cols + p[k]] : c[p[k] * cols + k];
        best = std::min(best, s);
    } while (std::next_permutation(p.begin(), p.end()));
    return best;
}

// The Hungarian method with potentials (Kuhn-Munkres in the shortest-path form), rows <= cols,
// minimisation; O(rows^2 cols). Written independently of the solver under test.
double hungarian(const std::vector<double>& c, int n, int m) {
    const double inf = std::numeric_limits<double>::infinity();
    std::vector<double> u(n + 1, 0), v(m + 1, 0);
    std::vector<int> p(m + 1, 0), way(m + 1, 0);
    for (int i = 1; i <= n; ++i) {
        p[0] = i;
        int j0 = 0;
        std::vector<double> minv(m + 1, inf);
        std::vector<char> used(m + 1, 0);
        do {
            used[j0] = 1;
            const int i0 = p[j0];
            double delta = inf;
            int j1 = 0;
            for (int j = 1; j <= m; ++j)
                if (!used[j]) {
                    const double cur = c[(i0 - 1) * m + (j - 1)] - u[i0] - v[j];
                    if (cur < minv[j]) minv[j] = cur, way[j] = j0;
                    if (minv[j] < delta) delta = minv[j], j1 = j;
                }
            for (int j = 0; j <= m; ++j)
                if (used[j])
                    u[p[j]] += delta, v[j] -= delta;
                else
                    minv[j] -= delta;
            j0 = j1;
        } while (p[j0] != 0);
        do {
            const int j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
        } while (j0);
    }
    double total = 0;
    for (int j = 1; j <= m; ++j)
        if (p[j]) total += c[(p[j] - 1) * m + (j - 1)];
    return total;
}

bool is_matching(const Assignment& a, std::int64_t rows, std::int64_t cols) {
    std::vector<char> used(static_cast<std::size_t>(cols), 0);
    std::int64_t assigned = 0;
    for (auto j : a.row_to_col) {
        if (j < 0) continue;
        if (j >= cols || used[j]++) return false;
        ++assigned;
    }
    return assigned == std::min(rows, cols);
}

std::vector<double> random_costs(int rows, int cols, bool ties, Rng& rng) {
    std::vector<double> c(static_cast<std::size_t>(rows) * cols);
    for (auto& v : c) v = ties ? static_cast<double>(uniform_below(rng, 4)) : standard_normal(rng);
    return c;
}

}  // namespace

TEST_CASE("random rectangular matrices (both directions, ties) equal brute force") {
    Rng rng(101);
    for (int trial = 0; trial < 400; ++trial) {
        const int rows = 1 + static_cast<int>(uniform_below(rng, 6));
        const int cols = 1 + static_cast<int>(uniform_below(rng, 6));
        const bool ties = trial % 2 == 0;
        const auto c = random_costs(rows, cols, ties, rng);
        CAPTURE(rows);
        CAPTURE(cols);
        CAPTURE(ties);
        const Assignment a = solve_assignment(c.data(), rows, cols);
        REQUIRE(is_matching(a, rows, cols));
        CHECK(a.total == doctest::Approx(brute_force(c, rows, cols)).epsilon(1e-12));
        // Maximisation is minimisation of the negated matrix.
        std::vector<double> neg(c.size());
        for (std::size_t k = 0; k < c.size(); ++k) neg[k] = -c[k];
        const Assignment b = solve_assignment(c.data(), rows, cols, Objective::maximize);
        REQUIRE(is_matching(b, rows, cols));
        CHECK(-b.total == doctest::Approx(brute_force(neg, rows, cols)).epsilon(1e-12));
    }
}

TEST_CASE("larger random matrices with many ties equal the Hungarian method (f64 and f32)") {
    Rng rng(202);
    for (const auto& [rows, cols] : {std::pair{60, 60}, std::pair{150, 150}, std::pair{40, 300}, std::pair{200, 230},
                                     std::pair{300, 300}}) {
        for (bool ties : {true, false}) {
            const auto c = random_costs(rows, cols, ties, rng);
            const double expected = hungarian(c, rows, cols);
            CAPTURE(rows);
            CAPTURE(cols);
            CAPTURE(ties);
            const Assignment a = solve_assignment(c.data(), rows, cols);
            REQUIRE(is_matching(a, rows, cols));
            CHECK(a.total == doctest::Approx(expected).epsilon(1e-10));
            // Integers are exact in float32: the float solve must reach the same optimum.
            if (ties) {
                std::vector<float> f(c.begin(), c.end());
                const Assignment af = solve_assignment(f.data(), rows, cols);
                REQUIRE(is_matching(af, rows, cols));
                CHECK(af.total == expected);
            }
            // The transpose (more rows than columns) has the same optimum.
            std::vector<double> t(c.size());
            for (int i = 0; i < rows; ++i)
                for (int j = 0; j < cols; ++j) t[static_cast<std::size_t>(j) * rows + i] = c[static_cast<std::size_t>(i) * cols + j];
            const Assignment at = solve_assignment(t.data(), cols, rows);
            REQUIRE(is_matching(at, cols, rows));
            CHECK(at.total == doctest::Approx(expected).epsilon(1e-10));
        }
    }
}

TEST_CASE("wide subset problems: few rows against many columns, related and unrelated") {
    Rng rng(303);
    const int rows = 64, cols = 900;
    // Unrelated: Gaussian costs, many rows share a best column.
    const auto c = random_costs(rows, cols, false, rng);
    const Assignment a = solve_assignment(c.data(), rows, cols);
    REQUIRE(is_matching(a, rows, cols));
    CHECK(a.total == doctest::Approx(hungarian(c, rows, cols)).epsilon(1e-10));
    // Related: row i's planted column stands out; the certificate holds for rows < cols.
    const auto perm = random_permutation(cols, rng);
    std::vector<double> r(c);
    for (int i = 0; i < rows; ++i) r[static_cast<std::size_t>(i) * cols + perm[i]] -= 10.0;
    const Assignment b = solve_assignment(r.data(), rows, cols);
    CHECK(b.certified);
    for (int i = 0; i < rows; ++i) CHECK(b.row_to_col[i] == perm[i]);
}

TEST_CASE("-inf and NaN are rejected in rectangular and float inputs too") {
    for (double bad : {-std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()}) {
        std::vector<double> c(3 * 7, 1.0);
        c[2 * 7 + 6] = bad;
        CHECK_THROWS_AS(solve_assignment(c.data(), 3, 7), lineage::InputError);
        CHECK_THROWS_AS(solve_assignment(c.data(), 7, 3, Objective::maximize), lineage::InputError);
        std::vector<float> f(c.begin(), c.end());
        CHECK_THROWS_AS(solve_assignment(f.data(), 3, 7), lineage::InputError);
    }
}
