// Linear assignment benchmark: Lineage's LAPJV (with the certificate) against scipy's
// linear_sum_assignment on the SAME matrices (bench/run_assignment_bench.sh runs both).
//   bench_assignment write DIR N SEED   writes DIR/unrelated_N.f64 and DIR/related_N.f64
//                                      (row-major float64 cost matrices, minimisation)
//   bench_assignment solve FILE N       solves one matrix on one thread; prints
//                                      "lineage <file> <seconds> <total> <certified>"
// Matrices: cost = -S with S = X Y^T / sqrt(k), X, Y (N x k, k = 256) Gaussian. Unrelated: Y
// independent of X. Related: Y = X permuted + 0.5 x noise (a noisy permutation of a similarity
// matrix, as neuron matching of a fine-tuned model produces).
#include <Eigen/Dense>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "probes/stats/assignment.h"
#include "probes/stats/random.h"

namespace st = lineage::probes::stats;
using Mat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

namespace {

Mat gaussian(Eigen::Index r, Eigen::Index c, st::Rng& rng) {
    Mat m(r, c);
    for (Eigen::Index k = 0; k < m.size(); ++k) m.data()[k] = st::standard_normal(rng);
    return m;
}

void write(const std::string& path, const Mat& m) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(m.data()), static_cast<std::streamsize>(m.size() * 8));
    if (!out) {
        std::fprintf(stderr, "bench_assignment: cannot write %s\n", path.c_str());
        std::exit(3);
    }
}

int usage() {
    std::fprintf(stderr, "usage: bench_assignment write DIR N SEED | solve FILE N\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return usage();
    const std::string mode = argv[1];
    if (mode == "write" && argc == 5) {
        const std::string dir = argv[2];
        const long n = std::atol(argv[3]);
        st::Rng rng(std::strtoull(argv[4], nullptr, 10));
        const long k = 256;
        const Mat x = gaussian(n, k, rng);
        const double scale = 1.0 / std::sqrt(static_cast<double>(k));
        write(dir + "/unrelated_" + std::to_string(n) + ".f64", -(x * gaussian(n, k, rng).transpose()) * scale);
        const auto perm = st::random_permutation(n, rng);
        Mat y = 0.5 * gaussian(n, k, rng);
        for (long i = 0; i < n; ++i) y.row(perm[i]) += x.row(i);
        write(dir + "/related_" + std::to_string(n) + ".f64", -(x * y.transpose()) * scale);
        return 0;
    }
    if (mode == "solve" && argc == 4) {
        const long n = std::atol(argv[3]);
        std::vector<double> c(static_cast<std::size_t>(n) * n);
        std::ifstream in(argv[2], std::ios::binary);
        in.read(reinterpret_cast<char*>(c.data()), static_cast<std::streamsize>(c.size() * 8));
        if (!in) {
            std::fprintf(stderr, "bench_assignment: cannot read %s\n", argv[2]);
            return 3;
        }
        const auto t0 = std::chrono::steady_clock::now();
        const auto r = st::solve_assignment(c.data(), n, n);
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::printf("lineage %s %.3f %.10g %d collisions=%lld\n", argv[2], s, r.total, r.certified ? 1 : 0,
                    static_cast<long long>(r.collisions));
        return 0;
    }
    return usage();
}
