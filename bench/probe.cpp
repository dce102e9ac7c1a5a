// Benchmark of the activation probe's core, Lineage side (peer: bench/probe_peer.py, same work in
// PyTorch; run both with bench/run_probe_bench.sh): model A then model B through the
// layer-streaming forward on TEXTS sequences of TOKENS ids, every hidden layer reduced to the
// centred Gram matrix of N sampled positions (one GEMM), then linear and debiased CKA for every
// layer pair. Token ids and positions come from formulas both sides share (an LCG; position
// k -> text k % TEXTS, token 1 + (k * 7919) % (TOKENS - 1)). Prints the time of each step, tokens/s,
// and the CKA diagonal so the two implementations can be checked against each other.
// Usage: bench_probe MODEL_A MODEL_B [TEXTS=256] [TOKENS=128] [N=2048]
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "probes/activation/gram_cka.h"
#include "probes/activation/model_pass.h"
#include "reference_model/backend/backend.h"
#include "reference_model/model/transformer.h"
#include "weights/checkpoint.h"

using namespace lineage;
using namespace lineage::probes::activation;

namespace {

std::vector<std::vector<std::int32_t>> make_ids(std::int64_t texts, std::int64_t tokens, std::int64_t vocab) {
    std::uint64_t x = 12345;
    std::vector<std::vector<std::int32_t>> out(static_cast<std::size_t>(texts));
    for (auto& seq : out)
        for (std::int64_t t = 0; t < tokens; ++t) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            seq.push_back(static_cast<std::int32_t>(3 + (x >> 33) % static_cast<std::uint64_t>(vocab - 3)));
        }
    return out;
}

double since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: bench_probe MODEL_A MODEL_B [TEXTS=256] [TOKENS=128] [N=2048]\n");
        return 2;
    }
    const std::int64_t texts = argc > 3 ? std::stoll(argv[3]) : 256;
    const std::int64_t tokens = argc > 4 ? std::stoll(argv[4]) : 128;
    const std::int64_t n = argc > 5 ? std::stoll(argv[5]) : 2048;
    auto backend = model::make_backend("cpu");
    const auto start = std::chrono::steady_clock::now();

    PassPlan plan;
    for (std::int64_t k = 0; k < n; ++k)
        plan.rows.emplace_back(static_cast<std::int32_t>(k % texts), static_cast<std::int32_t>(1 + (k * 7919) % (tokens - 1)));
    std::vector<GramSide> grams_a;
    std::vector<double> debiased, linear;
    std::int64_t la = 0, lb = 0;
    double seconds_a = 0, seconds_b = 0;
    {
        const auto t = std::chrono::steady_clock::now();
        const auto ck = weights::Checkpoint::open(argv[1]);
        model::Transformer tf(ck, *backend);
        plan.sequences = make_ids(texts, tokens, tf.dims().vocab);
        la = tf.dims().layers + 1;
        run_model_pass(ck, tf, *backend, plan, [&](std::int64_t, GramSide&& g) { grams_a.push_back(std::move(g)); });
        seconds_a = since(t);
    }
    {
        const auto t = std::chrono::steady_clock::now();
        const auto ck = weights::Checkpoint::open(argv[2]);
        model::Transformer tf(ck, *backend);
        lb = tf.dims().layers + 1;
        debiased.assign(static_cast<std::size_t>(la * lb), 0.0);
        linear = debiased;
        run_model_pass(ck, tf, *backend, plan, [&](std::int64_t b, GramSide&& g) {
            for (std::int64_t a = 0; a < la; ++a) {
                const CkaPair c = cka_from_grams(grams_a[static_cast<std::size_t>(a)], g);
                debiased[static_cast<std::size_t>(a * lb + b)] = c.debiased;
                linear[static_cast<std::size_t>(a * lb + b)] = c.linear;
            }
        });
        seconds_b = since(t);
    }
    const double total = since(start);
    std::printf("lineage: %s | A %.2f s, B+CKA %.2f s, total %.2f s, %.0f tokens/s (%lld texts x %lld tokens x 2 models, n=%lld)\n",
                backend->description().c_str(), seconds_a, seconds_b, total,
                static_cast<double>(2 * texts * tokens) / total, static_cast<long long>(texts),
                static_cast<long long>(tokens), static_cast<long long>(n));
    std::printf("lineage: diagonal debiased CKA:");
    for (std::int64_t i = 0; i < std::min(la, lb); ++i) std::printf(" %.4f", debiased[static_cast<std::size_t>(i * lb + i)]);
    std::printf("\nlineage: diagonal linear CKA:  ");
    for (std::int64_t i = 0; i < std::min(la, lb); ++i) std::printf(" %.4f", linear[static_cast<std::size_t>(i * lb + i)]);
    std::printf("\n");
    return 0;
}
