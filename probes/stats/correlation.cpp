// Pearson/Spearman (see correlation.h). Ranks use a stable sort of indices; ties get the mean rank.
#include "probes/stats/correlation.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "probes/stats/distributions.h"
#include "weights/core/error.h"

namespace lineage::probes::stats {
namespace {

template <typename T>
double pearson_impl(std::span<const T> a, std::span<const T> b) {
    if (a.size() != b.size()) throw InternalError("pearson: length mismatch");
    const std::size_t n = a.size();
    if (n < 2) return 0.0;
    double ma = 0, mb = 0;
    for (std::size_t i = 0; i < n; ++i) ma += a[i], mb += b[i];
    ma /= n, mb /= n;
    double sab = 0, saa = 0, sbb = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const double da = a[i] - ma, db = b[i] - mb;
        sab += da * db, saa += da * da, sbb += db * db;
    }
    if (saa <= 0 || sbb <= 0) return 0.0;
    return sab / std::sqrt(saa * sbb);
}

}  // namespace

double pearson(std::span<const float> a, std::span<const float> b) { return pearson_impl(a, b); }
double pearson(std::span<const double> a, std::span<const double> b) { return pearson_impl(a, b); }

std::vector<double> average_ranks(std::span<const double> values) {
    const std::size_t n = values.size();
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t x, std::size_t y) { return values[x] < values[y]; });
    std::vector<double> ranks(n);
    for (std::size_t i = 0; i < n;) {
        std::size_t j = i + 1;
        while (j < n && values[order[j]] == values[order[i]]) ++j;
        const double mean_rank = 0.5 * (static_cast<double>(i + 1) + static_cast<double>(j));
        for (std::size_t k = i; k < j; ++k) ranks[order[k]] = mean_rank;
        i = j;
    }
    return ranks;
}

double spearman(std::span<const double> a, std::span<const double> b) {
    const auto ra = average_ranks(a), rb = average_ranks(b);
    return pearson(std::span<const double>(ra), std::span<const double>(rb));
}

double log_p_from_correlation(double r, std::int64_t n, Alternative alternative) {
    if (n < 3) return 0.0;
    const double df = static_cast<double>(n - 2);
    // log(1/n!): the smallest p-value any rank statistic on n items can honestly claim.
    const double log_floor = -std::lgamma(static_cast<double>(n) + 1.0);
    r = std::clamp(r, -1.0, 1.0);
    double log_p;
    const double one_minus_r2 = (1.0 - r) * (1.0 + r);
    if (alternative == Alternative::two_sided) {
        // P(|T| > |t|) = I_{1-r^2}(df/2, 1/2): x = df/(df+t^2) simplifies to 1 - r^2 exactly.
        log_p = log_incomplete_beta(df / 2.0, 0.5, one_minus_r2);
    } else if (r >= 0) {
        log_p = std::log(0.5) + log_incomplete_beta(df / 2.0, 0.5, one_minus_r2);
    } else {
        const double other = 0.5 * std::exp(log_incomplete_beta(df / 2.0, 0.5, one_minus_r2));
        log_p = std::log1p(-other);
    }
    if (std::isnan(log_p)) log_p = 0.0;
    return std::min(0.0, std::max(log_p, log_floor));
}

CorrelationTest spearman_test(std::span<const double> a, std::span<const double> b,
                              Alternative alternative) {
    CorrelationTest t;
    t.n = static_cast<std::int64_t>(a.size());
    t.r = spearman(a, b);
    t.log_p = log_p_from_correlation(t.r, t.n, alternative);
    t.neg_log10_p = neg_log10(t.log_p);
    return t;
}

CorrelationTest spearman_test(std::span<const std::int32_t> a, std::span<const std::int32_t> b,
                              Alternative alternative) {
    std::vector<double> da(a.begin(), a.end()), db(b.begin(), b.end());
    return spearman_test(std::span<const double>(da), std::span<const double>(db), alternative);
}

}  // namespace lineage::probes::stats
