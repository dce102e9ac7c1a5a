// Cost of the hidden-space map (align_hidden) alone, in process CPU seconds and wall seconds:
// MODEL_A against MODEL_B, and with --rotation MODEL_A against its own "rotation" positive control
// (A with a random orthogonal hidden basis; a derived pair whose map must be a rotation). Prints
// the chosen map, its fit and the null so before/after runs can be checked for the same outcome.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "bench/cpu_time.h"
#include "probes/weights/hidden_alignment.h"
#include "probes/weights/model_view.h"
#include "probes/weights/pair_context.h"
#include "probes/weights/positive_controls.h"
#include "probes/weights/verdict_rule.h"
#include "probes/weights/weight_summary.h"

namespace pw = lineage::probes::weights;

namespace {

using lineage::bench::cpu_seconds;

void run(const pw::ModelView& a, const pw::ModelView& b, const pw::VerdictRule& rule, const char* label) {
    const pw::WeightSummary sa, sb;  // align_hidden does not read the summaries
    pw::PairContext ctx{a, b, sa, sb, rule, {}, false};
    const auto* ea = a.find(pw::Role::token_embedding);
    const auto* eb = b.find(pw::Role::token_embedding);
    if (!ea || !eb) {
        std::fprintf(stderr, "no token embedding\n");
        return;
    }
    const pw::SharedTokens tokens = pw::shared_tokens(a, b, ea->rows(), eb->rows());
    std::vector<pw::ComponentStat> stats;
    const double c0 = cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    const pw::HiddenMap h = pw::align_hidden(ctx, tokens, rule.seed, stats);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%s: kind=%s perm_fit=%.4f rot_fit=%.4f null_max=%.4f wall=%.1f cpu=%.1f\n  null: %s\n",
                label, h.kind.c_str(), h.permutation_fit, h.rotation_fit, h.null_max, wall,
                cpu_seconds() - c0, stats.empty() ? "" : stats.back().null_kind.c_str());
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
    const bool rotation = argc == 3 && std::strcmp(argv[1], "--rotation") == 0;
    if (argc != 3) {
        std::fprintf(stderr, "usage: bench_hidden_alignment MODEL_A MODEL_B | --rotation MODEL_A\n");
        return 2;
    }
    const pw::VerdictRule rule = pw::default_verdict_rule();
    if (!rotation) {
        const pw::CheckpointView a(argv[1]), b(argv[2]);
        run(a, b, rule, "pair");
        return 0;
    }
    const pw::CheckpointView a(argv[2]);
    for (const auto& c : pw::make_controls(a, rule, rule.seed))
        if (c.name == "rotation") run(a, *c.view, rule, "rotation control");
    return 0;
}
