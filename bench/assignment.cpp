// Linear assignment benchmark: Lineage's LAPJV (with the certificate) against scipy's
// linear_sum_assignment on the SAME matrices (bench/run_assignment_bench.sh runs both).
//   bench_assignment write DIR N SEED   writes DIR/{unrelated,related,related_hard}_N.f64
//                                      (row-major float64 cost matrices, minimisation)
//   bench_assignment solve FILE N [f32] [THREADS]
//                                      solves one matrix (in float32 when "f32": the precision
//                                      of the probe's similarity GEMM; conversion untimed) on
//                                      THREADS threads (default 1); prints
//                                      "lineage <file> <wall s> <total> cpu=<s> certified=<0|1> collisions=<k>"
//   bench_assignment rows DIR N K SEED   writes DIR/{x,y_related,y_unrelated}_N_K.f32 (row-major
//                                      float32 N x K "gate rows": Y related = X permuted + 0.5 noise)
//   bench_assignment match XFILE YFILE N K fused|materialised|gemm
//                                      neuron matching's cosine matching of the rows (the probe's
//                                      own function, probes/weights/neuron_matching.h): "fused"
//                                      certifies while the similarity GEMM is produced block by
//                                      block, "materialised" stores the N x N matrix and solves it,
//                                      "gemm" only computes the similarity matrix (the floor);
//                                      prints "lineage-<mode> <yfile> <wall s> <total similarity>
//                                      cpu=<s> certified=<0|1> fused=<0|1>"
// Matrices are what neuron matching builds (probes/weights/neuron_matching.cpp): cost = -cosine
// similarity of the rows of X and Y, X (N x k, k = 256) Gaussian "gate rows of W". Unrelated: Y
// independent of X. Related: Y = rows of X + 0.5 x noise, permuted (a fine-tuned model's gate rows
// W + noise with its neurons permuted; real fine-tuning moves weights far less). Related-hard:
// noise 2.5, so that ~1.3% of the rows' best columns collide and the certificate fails (a weakly
// related pair, e.g. long continued pre-training): the partial-certificate path.
#include <Eigen/Dense>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "bench/cpu_time.h"
#include "probes/stats/assignment.h"
#include "probes/stats/random.h"
#include "probes/weights/neuron_matching.h"

namespace st = lineage::probes::stats;
using Mat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

namespace {

using lineage::bench::cpu_seconds;

Mat gaussian(Eigen::Index r, Eigen::Index c, st::Rng& rng) {
    Mat m(r, c);
    for (Eigen::Index k = 0; k < m.size(); ++k) m.data()[k] = st::standard_normal(rng);
    return m;
}

Mat normalised(Mat m) {
    m.rowwise().normalize();
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

// Process CPU time: the fair figure on a shared machine, where wall time mostly measures waiting.
int usage() {
    std::fprintf(stderr,
                 "usage: bench_assignment write DIR N SEED | solve FILE N [f32|f64] [THREADS] | rows DIR N K SEED |"
                 " match XFILE YFILE N K fused|materialised|gemm\n");
    return 2;
}

using MatF = lineage::probes::weights::MatrixF;

void write_f32(const std::string& path, const Mat& m) {
    const MatF f = m.cast<float>();
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(f.data()), static_cast<std::streamsize>(f.size() * 4));
    if (!out) {
        std::fprintf(stderr, "bench_assignment: cannot write %s\n", path.c_str());
        std::exit(3);
    }
}

MatF read_f32(const std::string& path, long rows, long cols) {
    MatF m(rows, cols);
    std::ifstream in(path, std::ios::binary);
    in.read(reinterpret_cast<char*>(m.data()), static_cast<std::streamsize>(m.size() * 4));
    if (!in) {
        std::fprintf(stderr, "bench_assignment: cannot read %s\n", path.c_str());
        std::exit(3);
    }
    return m;
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
        const Mat x = gaussian(n, k, rng), xn = normalised(x);
        const std::string suffix = "_" + std::to_string(n) + ".f64";
        write(dir + "/unrelated" + suffix, -(xn * normalised(gaussian(n, k, rng)).transpose()));
        for (const auto& [name, noise] : {std::pair<const char*, double>{"related", 0.5}, {"related_hard", 2.5}}) {
            const auto perm = st::random_permutation(n, rng);
            Mat y = noise * gaussian(n, k, rng);
            for (long i = 0; i < n; ++i) y.row(perm[i]) += x.row(i);
            write(dir + "/" + name + suffix, -(xn * normalised(y).transpose()));
        }
        return 0;
    }
    if (mode == "solve" && argc >= 4 && argc <= 6) {
        const bool f32 = argc >= 5 && std::string(argv[4]) == "f32";
        const unsigned threads = argc == 6 ? static_cast<unsigned>(std::atoi(argv[5])) : 1u;
        const long n = std::atol(argv[3]);
        std::vector<double> c(static_cast<std::size_t>(n) * n);
        std::ifstream in(argv[2], std::ios::binary);
        in.read(reinterpret_cast<char*>(c.data()), static_cast<std::streamsize>(c.size() * 8));
        if (!in) {
            std::fprintf(stderr, "bench_assignment: cannot read %s\n", argv[2]);
            return 3;
        }
        std::vector<float> cf;
        if (f32) {
            cf.assign(c.begin(), c.end());
            std::vector<double>().swap(c);
        }
        const double cpu0 = cpu_seconds();
        const auto t0 = std::chrono::steady_clock::now();
        const auto r = f32 ? st::solve_assignment(cf.data(), n, n, st::Objective::minimize, threads)
                           : st::solve_assignment(c.data(), n, n, st::Objective::minimize, threads);
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const double cpu = cpu_seconds() - cpu0;
        std::printf("lineage %s %.4f %.10g cpu=%.4f certified=%d collisions=%lld\n", argv[2], s, r.total, cpu,
                    r.certified ? 1 : 0, static_cast<long long>(r.collisions));
        return 0;
    }
    if (mode == "rows" && argc == 6) {
        const std::string dir = argv[2];
        const long n = std::atol(argv[3]), k = std::atol(argv[4]);
        st::Rng rng(std::strtoull(argv[5], nullptr, 10));
        const Mat x = gaussian(n, k, rng);
        const std::string suffix = "_" + std::to_string(n) + "_" + std::to_string(k) + ".f32";
        write_f32(dir + "/x" + suffix, x);
        write_f32(dir + "/y_unrelated" + suffix, gaussian(n, k, rng));
        const auto perm = st::random_permutation(n, rng);
        Mat y = 0.5 * gaussian(n, k, rng);
        for (long i = 0; i < n; ++i) y.row(perm[i]) += x.row(i);
        write_f32(dir + "/y_related" + suffix, y);
        return 0;
    }
    if (mode == "match" && argc == 7) {
        const long n = std::atol(argv[4]), k = std::atol(argv[5]);
        const std::string how = argv[6];
        const MatF x = read_f32(argv[2], n, k), y = read_f32(argv[3], n, k);
        const double cpu0 = cpu_seconds();
        const auto t0 = std::chrono::steady_clock::now();
        lineage::probes::weights::CosineMatch r;
        double checksum = 0;
        if (how == "gemm") {  // normalise + similarity matrix only: what any matching must compute
            MatF a = x, b = y;
            a.rowwise().normalize();
            b.rowwise().normalize();
            const MatF s = a * b.transpose();
            checksum = s(0, 0);
        } else {
            r = lineage::probes::weights::match_by_cosine(x, y, how == "fused"
                                                                  ? lineage::probes::weights::SimilarityPath::fused
                                                                  : lineage::probes::weights::SimilarityPath::materialised);
        }
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const double cpu = cpu_seconds() - cpu0;
        double total = checksum;
        for (long i = 0; i < static_cast<long>(r.row_to_col.size()); ++i)
            total += static_cast<double>(x.row(i).normalized().dot(y.row(r.row_to_col[i]).normalized()));
        std::printf("lineage-%s %s %.4f %.10g cpu=%.4f certified=%d fused=%d\n", how.c_str(), argv[3], s, total, cpu,
                    r.certified ? 1 : 0, r.fused ? 1 : 0);
        return 0;
    }
    return usage();
}
