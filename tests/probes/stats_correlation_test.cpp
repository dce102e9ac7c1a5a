// Spearman (ties, p-value), t and chi-square tails, Fisher's combination against scipy/mpmath
// goldens (tools/fixtures/make_assignment_goldens.py), and the log-space behaviour beyond 1e-300.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "probes/stats/correlation.h"
#include "probes/stats/distributions.h"

using namespace lineage::probes::stats;

TEST_CASE("statistics match scipy goldens") {
    std::ifstream in(std::string(LINEAGE_SOURCE_DIR) + "/tests/data/assignment/stats_cases.txt");
    REQUIRE(in.good());
    std::string line;
    int checked = 0;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream s(line);
        std::string kind;
        s >> kind;
        CAPTURE(line.substr(0, 60));
        if (kind == "spearman") {
            int n;
            s >> n;
            std::vector<double> x(n), y(n);
            for (auto& v : x) s >> v;
            for (auto& v : y) s >> v;
            double rho, p;
            s >> rho >> p;
            const auto t = spearman_test(x, y, Alternative::two_sided);
            CHECK(t.r == doctest::Approx(rho).epsilon(1e-12));
            CHECK(std::exp(t.log_p) == doctest::Approx(p).epsilon(1e-8));
        } else if (kind == "t_logsf") {
            double t, df, expected;
            s >> t >> df >> expected;
            CHECK(log_t_sf(t, df) == doctest::Approx(expected).epsilon(1e-9));
        } else if (kind == "chi2_logsf") {
            double x, expected;
            long df;
            s >> x >> df >> expected;
            CHECK(log_chi2_sf_even(x, df / 2) == doctest::Approx(expected).epsilon(1e-10));
        } else if (kind == "fisher") {
            int l;
            s >> l;
            std::vector<double> lp(l);
            for (auto& v : lp) {
                double p;
                s >> p;
                v = std::log(p);
            }
            double expected;
            s >> expected;
            CHECK(std::exp(fisher_combine_log(lp)) == doctest::Approx(expected).epsilon(1e-9));
        } else {
            FAIL("unknown golden kind " << kind);
        }
        ++checked;
    }
    CHECK(checked == 23);
}

TEST_CASE("average ranks handle ties like scipy.stats.rankdata") {
    const std::vector<double> v = {3, 1, 4, 1, 5, 9, 2, 6, 5};
    const auto r = average_ranks(v);
    const std::vector<double> expected = {4, 1.5, 5, 1.5, 6.5, 9, 3, 8, 6.5};
    for (std::size_t i = 0; i < v.size(); ++i) CHECK(r[i] == expected[i]);
}

TEST_CASE("evidence stays finite far beyond 1e-300") {
    // A perfect matching of 11,008 neurons: floored at 1/n!, i.e. -log10 p = log10(11008!).
    std::vector<std::int32_t> id(11008);
    for (int i = 0; i < 11008; ++i) id[i] = i;
    const auto t = spearman_test(std::span<const std::int32_t>(id), std::span<const std::int32_t>(id));
    CHECK(std::isfinite(t.neg_log10_p));
    CHECK(t.neg_log10_p == doctest::Approx(std::lgamma(11009.0) / std::log(10.0)));
    // A strong but imperfect correlation: t-approximation far below 1e-300.
    const double lp = log_p_from_correlation(0.9, 11008, Alternative::greater);
    CHECK(std::isfinite(lp));
    CHECK(neg_log10(lp) > 1000);
    // Fisher over 32 layers of 1e-2000 each.
    std::vector<double> layers(32, -2000.0 * std::log(10.0));
    const double combined = neg_log10(fisher_combine_log(layers));
    CHECK(std::isfinite(combined));
    CHECK(combined > 60000);
    // Uninformative input gives p = 1.
    CHECK(fisher_combine_log(std::vector<double>(5, 0.0)) == doctest::Approx(0.0));
    CHECK(log_p_from_correlation(0.0, 100, Alternative::greater) == doctest::Approx(std::log(0.5)));
}

TEST_CASE("centred Pearson ignores offsets and scale") {
    const std::vector<float> a = {1, 2, 3, 4, 5}, b = {10, 20, 30, 40, 50.5f};
    std::vector<float> c;
    for (float v : a) c.push_back(100.0f - 3.0f * v);
    CHECK(pearson(std::span<const float>(a), std::span<const float>(b)) > 0.999);
    CHECK(pearson(std::span<const float>(a), std::span<const float>(c)) == doctest::Approx(-1.0));
    const std::vector<float> flat = {2, 2, 2, 2, 2};
    CHECK(pearson(std::span<const float>(a), std::span<const float>(flat)) == 0.0);
}
