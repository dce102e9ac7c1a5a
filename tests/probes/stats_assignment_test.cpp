// Linear assignment: LAPJV against brute force on small random matrices, against scipy goldens
// (tools/fixtures/make_assignment_goldens.py), the certificate path, rectangular padding, ties,
// related (noisy permutation) matrices and hostile input.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "probes/stats/assignment.h"
#include "probes/stats/random.h"
#include "weights/core/error.h"

using namespace lineage::probes::stats;

namespace {

double brute_force(const std::vector<double>& c, int n) {
    std::vector<int> p(n);
    std::iota(p.begin(), p.end(), 0);
    double best = 1e300;
    do {
        double s = 0;
        for (int i = 0; i < n; ++i) s += c[i * n + p[i]];
        best = std::min(best, s);
    } while (std::next_permutation(p.begin(), p.end()));
    return best;
}

bool is_matching(const std::vector<std::int32_t>& x, std::int64_t cols) {
    std::vector<char> used(static_cast<std::size_t>(cols), 0);
    for (auto j : x) {
        if (j < 0) continue;
        if (j >= cols || used[j]++) return false;
    }
    return true;
}

}  // namespace

TEST_CASE("LAPJV equals brute force on small random matrices") {
    Rng rng(7);
    for (int trial = 0; trial < 300; ++trial) {
        const int n = 1 + static_cast<int>(uniform_below(rng, 7));
        std::vector<double> c(n * n);
        const bool ties = trial % 3 == 0;
        for (auto& v : c)
            v = ties ? static_cast<double>(uniform_below(rng, 3)) : standard_normal(rng);
        const Assignment a = solve_assignment(c.data(), n, n);
        REQUIRE(is_matching(a.row_to_col, n));
        CHECK(a.total == doctest::Approx(brute_force(c, n)).epsilon(1e-12));
    }
}

TEST_CASE("LAPJV float32 matches brute force") {
    Rng rng(11);
    for (int trial = 0; trial < 100; ++trial) {
        const int n = 2 + static_cast<int>(uniform_below(rng, 6));
        std::vector<float> c(n * n);
        std::vector<double> cd(n * n);
        for (int k = 0; k < n * n; ++k) cd[k] = c[k] = static_cast<float>(standard_normal(rng));
        const Assignment a = solve_assignment(c.data(), n, n);
        CHECK(a.total == doctest::Approx(brute_force(cd, n)).epsilon(1e-5));
    }
}

TEST_CASE("LAPJV matches scipy goldens (square, rectangular, ties, related, maximize)") {
    std::ifstream in(std::string(LINEAGE_SOURCE_DIR) + "/tests/data/assignment/lap_cases.txt");
    REQUIRE(in.good());
    std::string line;
    int cases = 0;
    while (std::getline(in, line)) {
        if (line.rfind("case", 0) != 0) continue;
        std::istringstream head(line.substr(5));
        int rows, cols, maximize;
        double expected;
        head >> rows >> cols >> maximize >> expected;
        std::vector<double> c(static_cast<std::size_t>(rows) * cols);
        for (int i = 0; i < rows; ++i) {
            std::getline(in, line);
            std::istringstream row(line);
            for (int j = 0; j < cols; ++j) row >> c[i * cols + j];
        }
        const Assignment a = solve_assignment(c.data(), rows, cols,
                                              maximize ? Objective::maximize : Objective::minimize);
        CAPTURE(rows);
        CAPTURE(cols);
        REQUIRE(is_matching(a.row_to_col, cols));
        const auto assigned = std::count_if(a.row_to_col.begin(), a.row_to_col.end(),
                                            [](auto j) { return j >= 0; });
        CHECK(assigned == std::min(rows, cols));
        CHECK(a.total == doctest::Approx(expected).epsilon(1e-9));
        ++cases;
    }
    CHECK(cases == 36);
}

TEST_CASE("certificate: distinct row minima are returned without search") {
    const int n = 200;
    Rng rng(3);
    const auto perm = random_permutation(n, rng);
    std::vector<float> c(n * n);
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j)
            c[i * n + j] = static_cast<float>(uniform01(rng)) + (j == perm[i] ? -2.0f : 0.0f);
    const Assignment a = solve_assignment(c.data(), n, n);
    CHECK(a.certified);
    CHECK(a.row_to_col == perm);
    auto cert = certified_matching(c.data(), n, n, Objective::minimize);
    REQUIRE(cert.has_value());
    CHECK(*cert == perm);
    // One collision: the certificate declines and the full solver still finds the optimum.
    c[0 * n + perm[1]] = -5.0f;
    CHECK_FALSE(certified_matching(c.data(), n, n, Objective::minimize).has_value());
    const Assignment b = solve_assignment(c.data(), n, n);
    CHECK_FALSE(b.certified);
    CHECK(b.collisions == 1);
    CHECK(is_matching(b.row_to_col, n));
}

TEST_CASE("related matrices: noisy permutations solve to the planted matching") {
    for (int n : {50, 300, 1000}) {
        Rng rng(static_cast<std::uint64_t>(n));
        const auto perm = random_permutation(n, rng);
        std::vector<double> c(static_cast<std::size_t>(n) * n);
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < n; ++j)
                c[i * n + j] = 0.3 * standard_normal(rng) - (j == perm[i] ? 1.5 : 0.0);
        const Assignment a = solve_assignment(c.data(), n, n);
        REQUIRE(is_matching(a.row_to_col, n));
        int agree = 0;
        for (int i = 0; i < n; ++i) agree += a.row_to_col[i] == perm[i];
        CHECK(agree > n * 9 / 10);
        // The planted matching can never beat the optimum.
        double planted = 0;
        for (int i = 0; i < n; ++i) planted += c[i * n + perm[i]];
        CHECK(a.total <= planted + 1e-9);
    }
}

TEST_CASE("hostile input: NaN and infinity are rejected with InputError") {
    std::vector<double> c = {1, 2, std::nan(""), 4};
    CHECK_THROWS_AS(solve_assignment(c.data(), 2, 2), lineage::InputError);
    c[2] = INFINITY;
    CHECK_THROWS_AS(solve_assignment(c.data(), 2, 2), lineage::InputError);
    CHECK(solve_assignment(c.data(), 0, 0).row_to_col.empty());
}
