// Seeded randomness helpers (see random.h).
#include "probes/stats/random.h"

#include <cmath>
#include <numeric>

namespace lineage::probes::stats {

double standard_normal(Rng& rng) {
    double u1 = uniform01(rng);
    while (u1 <= 0.0) u1 = uniform01(rng);
    const double u2 = uniform01(rng);
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

std::vector<std::int32_t> random_permutation(std::int64_t n, Rng& rng) {
    std::vector<std::int32_t> p(static_cast<std::size_t>(n));
    std::iota(p.begin(), p.end(), 0);
    shuffle(std::span<std::int32_t>(p), rng);
    return p;
}

double empirical_p_upper(double observed, std::span<const double> null_draws) {
    std::size_t at_least = 0;
    for (double v : null_draws) at_least += v >= observed ? 1 : 0;
    return (1.0 + static_cast<double>(at_least)) / (1.0 + static_cast<double>(null_draws.size()));
}

}  // namespace lineage::probes::stats
