// Prefill throughput of the reference transformer: a batch of B sequences x T tokens (seeded ids)
// through the layer-streaming forward, next-token logits of each sequence's last position — the
// work of bench/prefill_peer.py, which runs PyTorch on the same checkpoint in the same session
// (bench/run_prefill_bench.sh runs both). Prints tokens/s and peak RSS (which includes the pages
// of the memory-mapped checkpoint that were read).
//
// Usage: bench_prefill MODEL_DIR [BATCH=8] [TOKENS=256]
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <chrono>
#include <fstream>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "reference_model/backend/backend.h"
#include "reference_model/model/transformer.h"
#include "weights/checkpoint.h"

namespace {

// Anonymous (non-file) resident memory now, in MiB, from /proc/self/status: the heap — weights
// converted to fp32 and activations — without the pages of the memory-mapped checkpoint.
double rss_anon_mib() {
    std::ifstream status("/proc/self/status");
    std::string key;
    while (status >> key) {
        if (key == "RssAnon:") {
            double kb = 0;
            status >> kb;
            return kb / 1024.0;
        }
        std::getline(status, key);
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_prefill MODEL_DIR [BATCH] [TOKENS]\n");
        return 2;
    }
    const int batch = argc > 2 ? std::atoi(argv[2]) : 8;
    const int tokens = argc > 3 ? std::atoi(argv[3]) : 256;
    try {
        auto checkpoint = lineage::weights::Checkpoint::open(argv[1]);
        auto backend = lineage::model::make_cpu_backend();
        lineage::model::Transformer tf(checkpoint, *backend);
        const auto vocab = tf.dims().vocab;
        std::vector<std::vector<std::int32_t>> seqs(static_cast<std::size_t>(batch));
        for (int i = 0; i < batch; ++i)
            for (int j = 0; j < tokens; ++j)
                seqs[static_cast<std::size_t>(i)].push_back(
                    static_cast<std::int32_t>((static_cast<std::int64_t>(i) * 7919 + static_cast<std::int64_t>(j) * 104729 + 13) % vocab));
        lineage::model::ForwardOptions opt;
        opt.logits = lineage::model::LogitsMode::last;
        // Sample the heap every 5 ms while the forward runs.
        std::atomic<bool> running{true};
        double anon_peak = 0;
        std::thread sampler([&] {
            while (running.load()) {
                anon_peak = std::max(anon_peak, rss_anon_mib());
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
        });
        auto cpu_seconds = [] {
            rusage u{};
            getrusage(RUSAGE_SELF, &u);
            return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
                   1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
        };
        const double cpu0 = cpu_seconds();
        auto t0 = std::chrono::steady_clock::now();
        auto result = tf.forward(seqs, opt);
        const double cpu = cpu_seconds() - cpu0;
        double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        running = false;
        sampler.join();
        double checksum = 0;
        std::string argmax;
        for (std::int64_t r = 0; r < result.logits.rows(); ++r) {
            const float* row = result.logits.f32() + r * vocab;
            std::int64_t best = 0;
            for (std::int64_t j = 0; j < vocab; ++j) {
                checksum += row[j];
                if (row[j] > row[best]) best = j;
            }
            argmax += (r ? ", " : "") + std::to_string(best);
        }
        rusage ru{};
        getrusage(RUSAGE_SELF, &ru);
        std::printf("lineage %s: %dx%d tokens in %.2f s = %.1f tokens/s, CPU time %.1f s "
                    "(weights converted per layer inside); "
                    "peak RSS %.0f MiB (of which heap at most %.0f MiB, sampled every 5 ms; the rest are pages of the mapped checkpoint); "
                    "checksum %.4f argmax [%s]\n",
                    backend->description().c_str(), batch, tokens, secs, batch * tokens / secs, cpu, ru.ru_maxrss / 1024.0, anon_peak,
                    checksum, argmax.c_str());
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_prefill: %s\n", e.what());
        return 1;
    }
}
