// Large fp32 GEMM throughput through the path the reference transformer uses (CpuBackend's
// matmul_wt: y = x W^T via OpenBLAS cblas_sgemm), next to Eigen's own GEMM kernel compiled by this
// compiler (EIGEN_USE_BLAS undefined here so Eigen does not forward to BLAS), on one thread and
// on all threads. Goal (issue 3): >= 75 GFLOP/s fp32 per core on large GEMMs.
//
// Usage: bench_gemm [N=2048] [K=2048] [M=8192]     (x [N, K], W [M, K], y [N, M])
#undef EIGEN_USE_BLAS
#include <Eigen/Core>
#include <cblas.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>

#include "reference_model/backend/backend.h"
#include "reference_model/backend/parallel.h"

namespace {

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Best of `reps` timed runs after one warm-up, in GFLOP/s.
double gflops(double flop, int reps, const std::function<void()>& fn) {
    fn();
    double best = 1e30;
    for (int r = 0; r < reps; ++r) {
        auto t0 = std::chrono::steady_clock::now();
        fn();
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    return flop / best / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
    const long n = argc > 1 ? std::atol(argv[1]) : 2048;
    const long k = argc > 2 ? std::atol(argv[2]) : 2048;
    const long m = argc > 3 ? std::atol(argv[3]) : 8192;
    const int cores = lineage::model::cpu_threads();
    auto backend = lineage::model::make_cpu_backend();
    auto x = backend->allocate({n, k}), w = backend->allocate({m, k}), y = backend->allocate({n, m});
    std::mt19937 rng(1);
    std::normal_distribution<float> dist;
    for (auto& v : x.span_f32()) v = dist(rng);
    for (auto& v : w.span_f32()) v = dist(rng);
    const double flop = 2.0 * static_cast<double>(n) * static_cast<double>(k) * static_cast<double>(m);

    Eigen::Map<const RowMajor> X(x.f32(), n, k), W(w.f32(), m, k);
    Eigen::Map<RowMajor> Y(y.f32(), n, m);
    std::printf("GEMM y[%ld, %ld] = x[%ld, %ld] W[%ld, %ld]^T, fp32, best of 3\n", n, m, n, k, m, k);
    std::printf("OpenBLAS config: %s\n", openblas_get_config());
    for (int threads : {1, cores}) {
        openblas_set_num_threads(threads);
        Eigen::setNbThreads(threads);
        double blas = gflops(flop, 3, [&] { backend->matmul_wt(x, w, nullptr, y); });
        double eigen = gflops(flop, 3, [&] { Y.noalias() = X * W.transpose(); });
        const int eigen_threads = Eigen::nbThreads();  // 1 unless built with OpenMP
        std::printf("%d thread(s): CpuBackend::matmul_wt (OpenBLAS) %.1f GFLOP/s = %.1f per core; "
                    "Eigen kernel (%d thread) %.1f GFLOP/s = %.1f per core (%.0f%% of OpenBLAS per core)\n",
                    threads, blas, blas / threads, eigen_threads, eigen, eigen / eigen_threads,
                    100.0 * (eigen / eigen_threads) / (blas / threads));
        if (threads == cores) break;
    }
    return 0;
}
