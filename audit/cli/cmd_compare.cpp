// `lineage compare A B [--json]`: the weight-lineage probe on two checkpoints (probes/weights/
// compare.h). Prints per component and layer the statistic, p-value and null range, the hidden
// map, the layer map, heatmap data (in --json) and a one-paragraph summary.
// Exit codes: 1 derived (B's weights descend from A's or A's from B's), 0 independent,
// 6 inconclusive; 2 usage, 3 bad input, 4 unsupported.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <string>

#include "probes/weights/compare.h"
#include "probes/weights/compare_format.h"
#include "weights/core/error.h"

namespace lineage::cli {
namespace {

namespace pw = lineage::probes::weights;

struct CompareOptions {
    std::string a, b;
    bool json = false;
    bool no_controls = false;
    std::string rule;
    long long seed = -1;
    int shuffles = 0;
};

int run_compare(const CompareOptions& o) {
    pw::CompareOptions opt;
    opt.rule = o.rule.empty() ? pw::default_verdict_rule() : pw::load_verdict_rule(o.rule);
    if (o.shuffles > 0) opt.rule.cka_shuffles = o.shuffles;
    if (o.seed >= 0) opt.seed = static_cast<std::uint64_t>(o.seed);
    opt.run_controls = !o.no_controls;
    const pw::CheckpointView a(o.a), b(o.b);
    const pw::CompareResult r = pw::compare_models(a, b, opt);
    if (o.json)
        std::cout << pw::compare_to_json(r).dump(2) << "\n";
    else
        std::cout << pw::compare_to_text(r);
    switch (r.verdict) {
        case pw::Verdict::derived: return static_cast<int>(ExitCode::finding);
        case pw::Verdict::independent: return static_cast<int>(ExitCode::ok);
        case pw::Verdict::inconclusive: return static_cast<int>(ExitCode::inconclusive);
    }
    return static_cast<int>(ExitCode::internal);
}

}  // namespace

std::function<int()> setup_compare(CLI::App& sub) {
    auto o = std::make_shared<CompareOptions>();
    sub.add_option("A", o->a, "First checkpoint (folder, .safetensors file or ORG/NAME)")->required();
    sub.add_option("B", o->b, "Second checkpoint")->required();
    sub.add_flag("--json", o->json, "Print the machine-readable record (verdict, p_value, details)");
    sub.add_flag("--no-controls", o->no_controls,
                 "Skip the positive controls (then the verdict can never be 'independent')");
    sub.add_option("--rule", o->rule, "Verdict rule file (default: probes/weights/verdict_rule.json)");
    sub.add_option("--seed", o->seed, "Seed for every null (default: the rule's seed)");
    sub.add_option("--shuffles", o->shuffles, "Shuffles of the attention-invariant null (>= 1000 advised)")
        ->check(CLI::PositiveNumber);
    return [o] { return run_compare(*o); };
}

}  // namespace lineage::cli
