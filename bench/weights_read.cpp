// Benchmark (issue 2): stream every tensor of a checkpoint through fp32 conversion, side by side with
// `cat <files> > /dev/null` over the same files, both with a warm page cache, and report the peak
// resident memory of the streaming pass.
//
//   python3 tools/bench/make_synthetic_checkpoint.py      # 13.5 GB, Llama-2-7B shaped, bf16
//   ./build/bench_weights_read bench/data/synthetic-7b [--rounds 3] [--chunk 262144] [--threads 1]
//
// Each round runs cat, then Lineage; the best round of each is reported (GB/s of stored bytes).
#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "weights/checkpoint.h"
#include "weights/core/convert.h"

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double run_cat(const std::vector<std::filesystem::path>& files) {
    std::string cmd = "cat";
    for (const auto& f : files) cmd += " '" + f.string() + "'";
    cmd += " > /dev/null";
    const auto t0 = std::chrono::steady_clock::now();
    if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "cat failed\n");
    return seconds_since(t0);
}

// Streams tensors [i0, i1) through fp32; returns a checksum so the work cannot be skipped.
double stream_range(std::span<const lineage::weights::TensorInfo> tensors, std::size_t chunk) {
    double sink = 0;
    for (const auto& t : tensors)
        lineage::weights::stream_f32(t, chunk, [&](std::uint64_t, std::span<const float> v) { sink += v[0] + v[v.size() - 1]; });
    return sink;
}

// CPU seconds (user + system) of this process or of its waited-for children.
double cpu_seconds(int who) {
    rusage ru{};
    getrusage(who, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + 1e-6 * (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

long peak_rss_kib() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
    std::string path = "bench/data/synthetic-7b";
    int rounds = 3, threads = 1;
    std::size_t chunk = 1 << 18;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--rounds" && i + 1 < argc) rounds = std::atoi(argv[++i]);
        else if (a == "--chunk" && i + 1 < argc) chunk = std::strtoull(argv[++i], nullptr, 10);
        else if (a == "--threads" && i + 1 < argc) threads = std::atoi(argv[++i]);
        else path = a;
    }
    const auto cp = lineage::weights::Checkpoint::open(path);
    std::uint64_t bytes = 0;
    for (const auto& t : cp.tensors()) bytes += t.bytes.size();
    std::uint64_t file_bytes = 0;
    for (const auto& f : cp.files()) file_bytes += std::filesystem::file_size(f);
    std::printf("checkpoint %s: %zu files, %zu tensors, %.2f GB of tensor data\n", path.c_str(), cp.files().size(),
                cp.tensors().size(), bytes / 1e9);
    run_cat(cp.files());  // warm the page cache
    double best_cat = 1e30, best_lineage = 1e30, sink = 0, best_cat_cpu = 1e30, best_lineage_cpu = 1e30;
    for (int r = 0; r < rounds; ++r) {
        const double child0 = cpu_seconds(RUSAGE_CHILDREN);
        const double c = run_cat(cp.files());
        const double c_cpu = cpu_seconds(RUSAGE_CHILDREN) - child0;
        const double self0 = cpu_seconds(RUSAGE_SELF);
        const auto t0 = std::chrono::steady_clock::now();
        const auto all = cp.tensors();
        if (threads <= 1) {
            sink += stream_range(all, chunk);
        } else {  // tensors dealt round-robin by size to threads
            std::vector<std::thread> pool;
            std::vector<double> sinks(threads);
            std::atomic<std::size_t> next{0};
            for (int k = 0; k < threads; ++k)
                pool.emplace_back([&, k] {
                    for (std::size_t i; (i = next.fetch_add(1)) < all.size();) sinks[k] += stream_range(all.subspan(i, 1), chunk);
                });
            for (auto& th : pool) th.join();
            for (double s : sinks) sink += s;
        }
        const double l = seconds_since(t0);
        const double l_cpu = cpu_seconds(RUSAGE_SELF) - self0;
        std::printf("round %d: cat %.2f s wall, %.2f s CPU (%.2f GB/s)   lineage fp32 stream %.2f s wall, %.2f s CPU "
                    "(%.2f GB/s)\n", r + 1, c, c_cpu, file_bytes / c / 1e9, l, l_cpu, bytes / l / 1e9);
        best_cat = std::min(best_cat, c);
        best_lineage = std::min(best_lineage, l);
        best_cat_cpu = std::min(best_cat_cpu, c_cpu);
        best_lineage_cpu = std::min(best_lineage_cpu, l_cpu);
    }
    std::printf("best CPU time: cat %.2f s (%.2f GB/s), lineage %.2f s (%.2f GB/s, %.0f%% of cat)\n", best_cat_cpu,
                file_bytes / best_cat_cpu / 1e9, best_lineage_cpu, bytes / best_lineage_cpu / 1e9,
                100.0 * (bytes / best_lineage_cpu) / (file_bytes / best_cat_cpu));
    const double cat_gbs = file_bytes / best_cat / 1e9, lin_gbs = bytes / best_lineage / 1e9;
    std::printf("best: cat %.2f GB/s, lineage %.2f GB/s (%.0f%% of cat), threads %d, chunk %zu elements\n", cat_gbs,
                lin_gbs, 100.0 * lin_gbs / cat_gbs, threads, chunk);
    std::printf("peak RSS %.1f MiB (checksum %g)\n", peak_rss_kib() / 1024.0, sink);
    return 0;
}
