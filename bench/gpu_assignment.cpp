// GPU linear assignment (issue 12): cuda_solve_assignment (auction, cuda_statistics.h) on
// n x n cost matrices of the neuron-matching sizes, 11,008^2 (Llama-2-7B MLP) and 28,672^2
// (Llama-3-70B MLP), for an unrelated pair (i.i.d. normal costs) and a related one (a planted
// permutation: cost -1 + noise on it, noise elsewhere), against the CPU LAPJV solver
// (probes/stats/assignment.h, one thread) where it finishes in reasonable time. Prints seconds,
// rounds, phases, the proven bound and whether the two matchings agree. Exits 77 without a GPU.
//
// Usage: bench_gpu_assignment [N...]   (default 11008 28672; CPU comparison for N <= 11008)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <random>
#include <vector>

#include "probes/stats/assignment.h"
#include "reference_model/backend/backend.h"
#include "reference_model/backend/cuda_statistics.h"

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::vector<float> costs(std::int64_t n, bool related, std::uint32_t seed) {
    std::vector<float> c(static_cast<std::size_t>(n * n));
    std::mt19937 rng(seed);
    std::normal_distribution<float> noise(0.0f, related ? 0.1f : 1.0f);
    for (auto& v : c) v = noise(rng);
    if (related) {
        std::vector<std::int64_t> perm(static_cast<std::size_t>(n));
        std::iota(perm.begin(), perm.end(), 0);
        std::shuffle(perm.begin(), perm.end(), rng);
        for (std::int64_t i = 0; i < n; ++i) c[static_cast<std::size_t>(i * n + perm[static_cast<std::size_t>(i)])] -= 1.0f;
    }
    return c;
}

}  // namespace

int main(int argc, char** argv) {
    if (lineage::model::cuda_device_count() <= 0) {
        std::printf("bench_gpu_assignment: no CUDA device, skipped\n");
        return 77;
    }
    std::vector<std::int64_t> sizes;
    for (int i = 1; i < argc; ++i) sizes.push_back(std::atoll(argv[i]));
    if (sizes.empty()) sizes = {11008, 28672};
    try {
        std::printf("device: %s\n", lineage::model::make_cuda_backend(0)->description().c_str());
        for (std::int64_t n : sizes)
            for (bool related : {true, false}) {
                const auto c = costs(n, related, 7);
                auto t0 = std::chrono::steady_clock::now();
                const auto gpu = lineage::model::cuda_solve_assignment(c.data(), n, false);
                const double gs = seconds_since(t0);
                std::printf("n=%lld %-9s gpu %.3f s (%lld phases, %lld rounds, bound %.3g, total %.6f)", static_cast<long long>(n),
                            related ? "related" : "unrelated", gs, static_cast<long long>(gpu.phases),
                            static_cast<long long>(gpu.rounds), gpu.bound, gpu.total);
                if (n <= 11008) {
                    t0 = std::chrono::steady_clock::now();
                    const auto cpu = lineage::probes::stats::solve_assignment(c.data(), n, n);
                    std::printf("; cpu LAPJV %.3f s, total %.6f, same matching: %s", seconds_since(t0), cpu.total,
                                cpu.row_to_col == gpu.row_to_col ? "yes" : "NO");
                }
                std::printf("\n");
                std::fflush(stdout);
            }
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_gpu_assignment: %s\n", e.what());
        return 1;
    }
}
