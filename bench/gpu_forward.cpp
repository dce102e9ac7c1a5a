// Layer-streaming forward throughput on the GPU (issue 12): bench/prefill.cpp's workload (B
// sequences x T seeded tokens, next-token logits of the last positions) on make_cuda_backend(0),
// reporting tokens/s and the dense GEMM throughput it implies (2 x block weights x tokens / s, the
// attention and lm_head left out) next to the bf16 peak from bench_gpu_gemm. The argmax list can
// be compared with bench_prefill (CPU) on the same arguments. LINEAGE_CUDA_MATMUL=bf16 runs the
// GEMMs with bf16 inputs (see cuda_backend.cu). Exits 77 without a CUDA device.
//
// Usage: bench_gpu_forward MODEL_DIR [BATCH=8] [TOKENS=1024]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "reference_model/backend/backend.h"
#include "reference_model/model/transformer.h"
#include "weights/checkpoint.h"

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_gpu_forward MODEL_DIR [BATCH] [TOKENS]\n");
        return 2;
    }
    if (lineage::model::cuda_device_count() <= 0) {
        std::printf("bench_gpu_forward: no CUDA device, skipped\n");
        return 77;
    }
    const int batch = argc > 2 ? std::atoi(argv[2]) : 8;
    const int tokens = argc > 3 ? std::atoi(argv[3]) : 1024;
    try {
        auto checkpoint = lineage::weights::Checkpoint::open(argv[1]);
        auto backend = lineage::model::make_cuda_backend(0);
        lineage::model::Transformer tf(checkpoint, *backend);
        const auto d = tf.dims();
        std::vector<std::vector<std::int32_t>> seqs(static_cast<std::size_t>(batch));
        for (int i = 0; i < batch; ++i)
            for (int j = 0; j < tokens; ++j)
                seqs[static_cast<std::size_t>(i)].push_back(static_cast<std::int32_t>(
                    (static_cast<std::int64_t>(i) * 7919 + static_cast<std::int64_t>(j) * 104729 + 13) % d.vocab));
        lineage::model::ForwardOptions opt;
        opt.logits = lineage::model::LogitsMode::last;
        auto t0 = std::chrono::steady_clock::now();
        auto result = tf.forward(seqs, opt);
        backend->synchronize();
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        // Dense block GEMM work per token: q, k, v, o and the gated MLP's three projections.
        const double per_layer = static_cast<double>(d.hidden) * (d.heads * d.head_dim * 2 + d.kv_heads * d.head_dim * 2) +
                                 3.0 * d.hidden * d.intermediate;
        const double flops = 2.0 * per_layer * d.layers * batch * tokens;
        std::string argmax;
        for (std::int64_t r = 0; r < result.logits.rows(); ++r) {
            const float* row = result.logits.f32() + r * d.vocab;
            std::int64_t best = 0;
            for (std::int64_t j = 0; j < d.vocab; ++j)
                if (row[j] > row[best]) best = j;
            argmax += (r ? ", " : "") + std::to_string(best);
        }
        std::printf("lineage %s: %dx%d tokens in %.2f s = %.1f tokens/s, dense GEMM work %.1f TFLOP/s "
                    "(weights streamed per layer inside); argmax [%s]\n",
                    backend->description().c_str(), batch, tokens, secs, batch * tokens / secs, flops / secs / 1e12,
                    argmax.c_str());
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_gpu_forward: %s\n", e.what());
        return 1;
    }
}
