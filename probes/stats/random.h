// Seeded randomness for null distributions. Every null in Lineage is reproducible: the seed is an
// explicit argument (recorded in the output), the engine is std::mt19937_64 (fully specified by the
// standard), and bounded integers and shuffles are computed here rather than by the standard
// library's distributions, whose algorithms differ between implementations.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace lineage::probes::stats {

using Rng = std::mt19937_64;

// Uniform integer in [0, bound) (multiply-shift; bias below 2^-40 for bound < 2^24).
inline std::uint64_t uniform_below(Rng& rng, std::uint64_t bound) {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(rng()) * bound) >> 64);
}

// Uniform double in [0, 1).
inline double uniform01(Rng& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

// Standard normal (Box-Muller; deterministic across platforms given the engine).
double standard_normal(Rng& rng);

// Fisher-Yates shuffle.
template <typename T>
void shuffle(std::span<T> values, Rng& rng) {
    for (std::size_t i = values.size(); i > 1; --i) {
        const std::size_t j = uniform_below(rng, i);
        std::swap(values[i - 1], values[j]);
    }
}

// A uniformly random permutation of 0..n-1.
std::vector<std::int32_t> random_permutation(std::int64_t n, Rng& rng);

// Empirical p-value of `observed` against null draws (upper tail): (1 + #{null >= obs}) / (1 + N).
double empirical_p_upper(double observed, std::span<const double> null_draws);

}  // namespace lineage::probes::stats
