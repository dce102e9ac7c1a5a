// Log-space tails (see distributions.h). The incomplete beta follows the textbook continued
// fraction (Numerical Recipes' betacf structure, evaluated with the modified Lentz method); the
// prefactor x^a (1-x)^b / (a B(a,b)) is kept as a logarithm so tiny x stays finite.
#include "probes/stats/distributions.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace lineage::probes::stats {
namespace {

constexpr double kTiny = 1e-300;
constexpr double kEps = 1e-15;

double log_beta(double a, double b) { return std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b); }

// Continued fraction of I_x(a, b) (converges fast for x < (a+1)/(a+b+2)).
double beta_continued_fraction(double a, double b, double x) {
    const double qab = a + b, qap = a + 1.0, qam = a - 1.0;
    double c = 1.0, d = 1.0 - qab * x / qap;
    if (std::fabs(d) < kTiny) d = kTiny;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m <= 10000; ++m) {
        const double m2 = 2.0 * m;
        double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if (std::fabs(d) < kTiny) d = kTiny;
        c = 1.0 + aa / c;
        if (std::fabs(c) < kTiny) c = kTiny;
        d = 1.0 / d;
        h *= d * c;
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if (std::fabs(d) < kTiny) d = kTiny;
        c = 1.0 + aa / c;
        if (std::fabs(c) < kTiny) c = kTiny;
        d = 1.0 / d;
        const double del = d * c;
        h *= del;
        if (std::fabs(del - 1.0) < kEps) break;
    }
    return h;
}

double log_sum_exp(double a, double b) {
    if (a == -std::numeric_limits<double>::infinity()) return b;
    if (b == -std::numeric_limits<double>::infinity()) return a;
    const double m = std::max(a, b);
    return m + std::log(std::exp(a - m) + std::exp(b - m));
}

}  // namespace

double log_incomplete_beta(double a, double b, double x) {
    if (x <= 0.0) return -std::numeric_limits<double>::infinity();
    if (x >= 1.0) return 0.0;
    const double log_front = a * std::log(x) + b * std::log1p(-x) - log_beta(a, b);
    if (x < (a + 1.0) / (a + b + 2.0))
        return log_front - std::log(a) + std::log(beta_continued_fraction(a, b, x));
    // Symmetry: I_x(a,b) = 1 - I_{1-x}(b,a); the complement is not tiny here.
    const double other = std::exp(log_front - std::log(b)) * beta_continued_fraction(b, a, 1.0 - x);
    return std::log1p(-std::min(other, 1.0));
}

double log_t_sf(double t, double df) {
    if (std::isnan(t)) return std::log(0.5);
    if (t == std::numeric_limits<double>::infinity()) return -std::numeric_limits<double>::infinity();
    if (t == -std::numeric_limits<double>::infinity()) return 0.0;
    // P(T > |t|) = I_{df/(df+t^2)}(df/2, 1/2) / 2; written with t^2/(df+t^2) to keep precision.
    const double t2 = t * t;
    const double x = df / (df + t2);
    const double log_upper = std::log(0.5) + log_incomplete_beta(df / 2.0, 0.5, x);
    if (t >= 0) return log_upper;
    return std::log1p(-std::exp(log_upper));
}

double log_chi2_sf_even(double x, long k) {
    if (x <= 0.0 || k <= 0) return 0.0;
    const double half = x / 2.0, log_half = std::log(half);
    double acc = -std::numeric_limits<double>::infinity();
    for (long i = 0; i < k; ++i)
        acc = log_sum_exp(acc, i * log_half - std::lgamma(static_cast<double>(i) + 1.0));
    return std::min(0.0, -half + acc);
}

double log_normal_sf(double z) {
    if (z < 30.0) return std::log(0.5 * std::erfc(z / std::sqrt(2.0)));
    // Mills ratio series: phi(z)/z * (1 - 1/z^2 + 3/z^4 - 15/z^6).
    const double z2 = z * z;
    const double series = 1.0 - 1.0 / z2 + 3.0 / (z2 * z2) - 15.0 / (z2 * z2 * z2);
    return -0.5 * z2 - std::log(z) - 0.5 * std::log(2.0 * M_PI) + std::log(series);
}

double fisher_combine_log(std::span<const double> log_p) {
    if (log_p.empty()) return 0.0;
    double s = 0.0;
    for (double l : log_p) s += std::min(l, 0.0);
    return log_chi2_sf_even(-2.0 * s, static_cast<long>(log_p.size()));
}

}  // namespace lineage::probes::stats
