// `lineage probe A B [--json] [--corpus FILE] [--device auto|cpu|cuda] [--max-positions N]`: the
// activation probe (probes/activation/). Runs A then B on a probe corpus and prints the layer x
// layer CKA matrix, the diagonal profile along the layer alignment, the output agreement on the
// shared vocabulary, each figure beside its shuffled null and independent-pair range, and the
// verdict. --json prints the machine record (top-level "verdict"). Exit codes: 1 derived,
// 0 independent or behaviourally similar (distillation is not weight lineage), 6 inconclusive,
// 3 bad input, 4 unsupported, 5 device.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <unistd.h>

#include "probes/activation/activation_probe.h"
#include "probes/activation/probe_json.h"
#include "weights/core/error.h"

namespace lineage::cli {
namespace {

namespace act = probes::activation;

struct ProbeCliOptions {
    std::string a, b;
    bool json = false;
    std::string corpus;
    std::string device = "auto";
    std::int64_t max_positions = 0;
    std::string rule, null_ranges;
};

std::string range_text(const act::CalibratedFigure& f) {
    char buf[96];
    if (f.independent_pairs == 0) return "independent pairs: not calibrated";
    std::snprintf(buf, sizeof buf, "independent pairs: %.3f-%.3f, n=%d", f.independent_lo, f.independent_hi, f.independent_pairs);
    return buf;
}

void print_figure(const char* label, const act::CalibratedFigure& f) {
    if (f.null_draws == 0) {
        std::printf("  %-26s %.4f  (descriptive, no null of its own; %s)\n", label, f.value, range_text(f).c_str());
        return;
    }
    std::printf("  %-26s %.4f  (shuffled null %.4f +- %.4f, %s %.4f; %s)%s\n", label, f.value, f.null_mean, f.null_sd,
                f.higher_is_closer ? "max" : "min", f.null_extreme, range_text(f).c_str(),
                f.beyond_independent ? "  UNUSUAL" : "");
}

void print_matrix(const char* title, const std::vector<double>& v, std::int64_t rows, std::int64_t cols) {
    std::printf("\n%s (rows: A layers, cols: B layers; 0 = embeddings)\n      ", title);
    for (std::int64_t j = 0; j < cols; ++j) std::printf(" B%-5lld", static_cast<long long>(j));
    std::printf("\n");
    for (std::int64_t i = 0; i < rows; ++i) {
        std::printf("  A%-3lld", static_cast<long long>(i));
        for (std::int64_t j = 0; j < cols; ++j) std::printf(" %6.3f", v[static_cast<std::size_t>(i * cols + j)]);
        std::printf("\n");
    }
}

void print_human(const act::ProbeResult& r) {
    std::printf("Activation probe: %s\n%s\n\n", act::verdict_name(r.verdict), r.summary.c_str());
    for (const auto& reason : r.reasons) std::printf("  - %s\n", reason.c_str());
    std::printf("\nA: %s (%s, %lld layers, hidden %lld, %lld tokens run, %.1f s)\n", r.a.path.c_str(),
                r.a.architecture.c_str(), static_cast<long long>(r.a.layers), static_cast<long long>(r.a.hidden),
                static_cast<long long>(r.a.tokens), r.a.seconds);
    std::printf("B: %s (%s, %lld layers, hidden %lld, %lld tokens run, %.1f s)\n", r.b.path.c_str(),
                r.b.architecture.c_str(), static_cast<long long>(r.b.layers), static_cast<long long>(r.b.hidden),
                static_cast<long long>(r.b.tokens), r.b.seconds);
    std::printf("Corpus: %s, %lld texts (%lld aligned, %lld normalised differently); %s tokenizer; %lld aligned "
                "positions, %lld used\n",
                r.corpus_name.c_str(), static_cast<long long>(r.texts), static_cast<long long>(r.texts_aligned),
                static_cast<long long>(r.texts_normalised_differently), r.same_tokenizer ? "same" : "different",
                static_cast<long long>(r.aligned_positions), static_cast<long long>(r.positions));
    if (r.cka_debiased.empty()) return;
    print_matrix("Debiased CKA", r.cka_debiased, r.rows, r.cols);
    print_matrix("Linear CKA", r.cka_linear, r.rows, r.cols);
    std::printf("\nDiagonal profile (B layer -> aligned A layer: debiased CKA, linear CKA; shuffled null mean +- sd, max)\n");
    for (const auto& e : r.profile) {
        if (e.layer_a < 0)
            std::printf("  B%-3d -> none   (no A layer above the alignment threshold)\n", e.layer_b);
        else
            std::printf("  B%-3d -> A%-3d  %.4f  %.4f   (%.4f +- %.4f, max %.4f)\n", e.layer_b, e.layer_a, e.debiased,
                        e.linear, e.null_mean, e.null_sd, e.null_max);
    }
    std::printf("\nFigures:\n");
    print_figure("peak diagonal CKA", r.peak_cka);
    print_figure("mean diagonal CKA", r.diagonal_cka);
    print_figure("mean diagonal CKA (linear)", r.diagonal_cka_linear);
    if (r.agreement_computed) {
        std::printf("  next-token distributions at %lld positions over %lld shared tokens:\n",
                    static_cast<long long>(r.agreement_positions), static_cast<long long>(r.shared_tokens));
        print_figure("top-1 agreement", r.top1_agreement);
        print_figure("JS divergence (bits)", r.js_divergence);
    } else {
        std::printf("  output agreement not computed: %s\n", r.agreement_note.c_str());
    }
    std::printf("\nDevice %s; seed %llu; %.1f s in all. Behavioural similarity is reported apart from weight lineage.\n",
                r.device.c_str(), static_cast<unsigned long long>(r.seed), r.seconds);
}

int run_probe(const ProbeCliOptions& o) {
    const act::VerdictRule rule = o.rule.empty() ? act::default_verdict_rule() : act::load_verdict_rule(o.rule);
    const act::IndependentRanges ranges =
        o.null_ranges.empty() ? act::default_null_ranges() : act::load_null_ranges(o.null_ranges);
    const act::ProbeCorpus corpus = o.corpus.empty() ? act::bundled_corpus() : act::load_corpus_file(o.corpus);
    act::ProbeOptions popts;
    popts.device = o.device;
    if (o.max_positions > 0) popts.max_positions = o.max_positions;
    if (isatty(fileno(stderr)))
        popts.progress = [](const std::string& line) { std::fprintf(stderr, "probe: %s\n", line.c_str()); };
    const act::ProbeResult result = act::run_activation_probe(o.a, o.b, corpus, rule, ranges, popts);
    if (o.json)
        std::printf("%s\n", act::probe_result_json(result).dump(2).c_str());
    else
        print_human(result);
    switch (result.verdict) {
        case act::Verdict::derived: return static_cast<int>(ExitCode::finding);
        case act::Verdict::inconclusive: return static_cast<int>(ExitCode::inconclusive);
        default: return static_cast<int>(ExitCode::ok);
    }
}

}  // namespace

std::function<int()> setup_probe(CLI::App& sub) {
    auto o = std::make_shared<ProbeCliOptions>();
    sub.add_option("a", o->a, "model A: a checkpoint folder with its tokenizer")->required();
    sub.add_option("b", o->b, "model B: a checkpoint folder with its tokenizer")->required();
    sub.add_flag("--json", o->json, "print the machine-readable record (top-level \"verdict\")");
    sub.add_option("--corpus", o->corpus, "probe corpus: UTF-8 text file, one text per line (default: the bundled "
                                          "multilingual corpus)");
    sub.add_option("--device", o->device, "compute device")->check(CLI::IsMember({"auto", "cpu", "cuda"}));
    sub.add_option("--max-positions", o->max_positions, "aligned positions compared (n of the n x n Gram matrices; "
                                                        "default from the rule, 2048)")
        ->check(CLI::Range(static_cast<std::int64_t>(8), static_cast<std::int64_t>(65536)));
    sub.add_option("--rule", o->rule, "verdict rule file (default: probes/activation/verdict_rule.json)");
    sub.add_option("--null-ranges", o->null_ranges, "independent-pair ranges (default: probes/activation/null_ranges.json)");
    sub.footer("Exit codes: 1 derived, 0 independent or behaviourally similar, 6 inconclusive, 3 bad input, "
               "4 unsupported, 5 device.");
    return [o] { return run_probe(*o); };
}

}  // namespace lineage::cli
