// The assignment solver's first pass and what is built on it: the vectorised row scan
// (probes/stats/assignment_scan.h) against a plain left-to-right loop (ties, tails, both
// objectives, both precisions, threads, non-finite entries anywhere), and the partial-certificate
// path (a few colliding rows solved from the row-minima start) against scipy goldens
// (tests/data/assignment/make_partial_certificate_goldens.py).
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "probes/stats/assignment.h"
#include "probes/stats/assignment_scan.h"
#include "probes/stats/random.h"
#include "weights/core/error.h"

using namespace lineage::probes::stats;

namespace {

template <typename T>
void check_scan_matches_loop(const std::vector<T>& c, std::int64_t rows, std::int64_t cols, bool maximize,
                             unsigned threads) {
    const RowBests<T> got = scan_rows(c.data(), rows, cols, maximize, threads);
    REQUIRE(got.finite);
    for (std::int64_t i = 0; i < rows; ++i) {
        const T* r = c.data() + i * cols;
        std::int64_t arg = 0;
        for (std::int64_t j = 1; j < cols; ++j)
            if (maximize ? r[j] > r[arg] : r[j] < r[arg]) arg = j;
        CAPTURE(i);
        CHECK(got.col[i] == arg);
        CHECK(got.value[i] == r[arg]);
    }
}

template <typename T>
std::vector<T> random_matrix(std::int64_t rows, std::int64_t cols, bool ties, Rng& rng) {
    std::vector<T> c(static_cast<std::size_t>(rows * cols));
    for (auto& v : c) v = ties ? static_cast<T>(uniform_below(rng, 4)) : static_cast<T>(standard_normal(rng));
    return c;
}

bool is_matching(const std::vector<std::int32_t>& x, std::int64_t cols) {
    std::vector<char> used(static_cast<std::size_t>(cols), 0);
    for (auto j : x)
        if (j >= 0 && (j >= cols || used[j]++)) return false;
    return true;
}

}  // namespace

TEST_CASE("row scan: best column and value equal a left-to-right loop (first on ties)") {
    Rng rng(5);
    // Widths around the 16-double / 32-float blocks and their tails.
    for (std::int64_t cols : {1, 2, 15, 16, 31, 32, 33, 63, 64, 65, 100, 257, 1000}) {
        for (bool ties : {false, true}) {
            for (bool maximize : {false, true}) {
                CAPTURE(cols);
                CAPTURE(ties);
                CAPTURE(maximize);
                const std::int64_t rows = 7;
                check_scan_matches_loop(random_matrix<double>(rows, cols, ties, rng), rows, cols, maximize, 1);
                check_scan_matches_loop(random_matrix<float>(rows, cols, ties, rng), rows, cols, maximize, 1);
            }
        }
    }
}

TEST_CASE("row scan: threads split the rows without changing the answer") {
    Rng rng(6);
    const std::int64_t rows = 700, cols = 1600;  // ~9 MB in float64: two 4 MB blocks at least
    check_scan_matches_loop(random_matrix<double>(rows, cols, true, rng), rows, cols, false, 3);
    check_scan_matches_loop(random_matrix<float>(rows, cols, false, rng), rows, cols, true, 4);
}

TEST_CASE("row scan: NaN or infinity anywhere marks the matrix non-finite") {
    const std::int64_t rows = 3, cols = 70;  // entries in full blocks and in the tail
    for (std::int64_t at : {std::int64_t(0), std::int64_t(17), std::int64_t(69), std::int64_t(140),
                            std::int64_t(rows * cols - 1)}) {
        for (double bad : {std::nan(""), double(INFINITY), -double(INFINITY)}) {
            std::vector<double> c(static_cast<std::size_t>(rows * cols), 1.0);
            c[static_cast<std::size_t>(at)] = bad;
            CAPTURE(at);
            CHECK_FALSE(scan_rows(c.data(), rows, cols, false).finite);
            std::vector<float> f(c.begin(), c.end());
            CHECK_FALSE(scan_rows(f.data(), rows, cols, true).finite);
            CHECK_THROWS_AS(solve_assignment(c.data(), rows, cols), lineage::InputError);
            CHECK_THROWS_AS(solve_assignment(f.data(), rows, cols, Objective::maximize), lineage::InputError);
        }
    }
}

TEST_CASE("partial certificate: a few colliding rows are solved exactly (scipy goldens)") {
    std::ifstream in(std::string(LINEAGE_SOURCE_DIR) + "/tests/data/assignment/partial_certificate_cases.txt");
    REQUIRE(in.good());
    std::string line;
    int cases = 0, few = 0;
    while (std::getline(in, line)) {
        if (line.rfind("case", 0) != 0) continue;
        std::istringstream head(line.substr(5));
        int rows, cols, maximize;
        double expected;
        long long collisions;
        head >> rows >> cols >> maximize >> expected >> collisions;
        std::vector<double> c(static_cast<std::size_t>(rows) * cols);
        for (int i = 0; i < rows; ++i) {
            std::getline(in, line);
            std::istringstream row(line);
            for (int j = 0; j < cols; ++j) row >> c[i * cols + j];
        }
        const Objective objective = maximize ? Objective::maximize : Objective::minimize;
        CAPTURE(rows);
        CAPTURE(cols);
        CAPTURE(maximize);
        for (unsigned threads : {1u, 2u}) {
            const Assignment a = solve_assignment(c.data(), rows, cols, objective, threads);
            REQUIRE(is_matching(a.row_to_col, cols));
            CHECK_FALSE(a.certified);
            CHECK(a.collisions == collisions);
            CHECK(a.total == doctest::Approx(expected).epsilon(1e-12));
        }
        // The float32 solve of the same (4-decimal) values reaches the same optimum.
        std::vector<float> f(c.begin(), c.end());
        const Assignment af = solve_assignment(f.data(), rows, cols, objective);
        REQUIRE(is_matching(af.row_to_col, cols));
        CHECK(af.total == doctest::Approx(expected).epsilon(1e-5));
        few += rows == cols && collisions * 10 < rows;
        ++cases;
    }
    CHECK(cases == 5);
    CHECK(few == 3);  // square cases that take the row-minima start
}
