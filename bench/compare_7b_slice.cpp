// Neuron matching alone on real checkpoints (bench/run_compare_7b_slice.sh): the cost per layer of
// the primary statistic of `lineage compare`, which is what grows with depth. For layer pairs
// (i, i) of A and B it runs match_blocks as neuron_matching does on the diagonal (the full seeded
// subset of A's neurons against all of B's), and for (i, i+1) as on an off-diagonal band cell
// (screened), reporting process CPU time and wall time per cell, the Spearman -log10 p and
// whether the matchings were certified. No hidden-space map (the benchmark's pairs share their
// residual basis), so this is the cost of the matching itself, reading the tensors included.
//   bench_compare_7b_slice MODEL_A MODEL_B
// prints "cell <i> <j> <diagonal|screened> wall=<s> cpu=<s> neurons=<k> neg_log10_p=<x> certified=<g><u>"
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

#include "bench/cpu_time.h"
#include "probes/weights/model_view.h"
#include "probes/weights/neuron_matching.h"
#include "probes/weights/pair_context.h"
#include "probes/weights/verdict_rule.h"
#include "probes/weights/weight_summary.h"

namespace pw = lineage::probes::weights;

using lineage::bench::cpu_seconds;

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: bench_compare_7b_slice MODEL_A MODEL_B\n");
        return 2;
    }
    const pw::CheckpointView a(argv[1]), b(argv[2]);
    const pw::WeightSummary sa, sb;  // neuron matching does not read the summaries
    const pw::VerdictRule rule;
    const pw::PairContext ctx{a, b, sa, sb, rule, {}, false};
    const int layers = std::min(a.num_layers(), b.num_layers());
    for (int i = 0; i < layers; ++i) {
        for (int j : {i, i + 1}) {
            if (j >= layers) continue;
            const auto ba = pw::mlp_blocks(a, i), bb = pw::mlp_blocks(b, j);
            if (ba.empty() || bb.empty()) continue;
            const bool screen = j != i;
            const double c0 = cpu_seconds();
            const auto t0 = std::chrono::steady_clock::now();
            const pw::BlockMatch m = pw::match_blocks(ctx, ba[0], bb[0], screen);
            const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            std::printf("cell %d %d %s wall=%.3f cpu=%.3f neurons=%lld neg_log10_p=%.2f certified=%d%d\n", i, j,
                        m.screened ? "screened" : (screen ? "screen-passed" : "diagonal"), wall, cpu_seconds() - c0,
                        static_cast<long long>(m.neurons), m.neg_log10_p, m.certified_gate ? 1 : 0,
                        m.certified_up ? 1 : 0);
            std::fflush(stdout);
        }
    }
    return 0;
}
