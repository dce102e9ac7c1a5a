// `lineage chain CHECKPOINT... | --manifest FILE [--base PATH]... [--submitted PATH] [--out DIR]
// [--lang en|ko] [--json] [--origin-bases-only | --bases-every-checkpoint] [--full-links]`: the checkpoint-chain audit
// (audit/chain/chain_run.h). Proves that a series of checkpoints from one training run descends
// step by step from an initialisation independent of every base, and that its final checkpoint is
// the submitted model; or locates the break. Prints the verdict (or the JSON record) and writes
// report.json/.md/.html into --out.
// Exit codes: 0 proven, 1 broken / origin not independent / not bound, 6 inconclusive; 2 usage,
// 3 bad input, 4 unsupported.
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "audit/audit_run.h"
#include "audit/cli/report_output.h"
#include "audit/shell_quote.h"
#include "audit/chain/chain_report.h"
#include "audit/chain/chain_run.h"
#include "reports/render.h"
#include "weights/core/error.h"

namespace lineage::cli {
namespace {

using audit::shell_quote;

constexpr const char* kChainFooter =
    "Give the checkpoints in training order (the initialisation or first saved step first, the\n"
    "final model last), or a manifest: TSV lines 'step<TAB>path[<TAB>tokens_seen[<TAB>log]]' or\n"
    "JSON {\"checkpoints\": [{\"step\", \"path\", \"tokens_seen\", \"log\"}], \"submitted\"}.\n"
    "Exit codes of chain:\n"
    "  0  chain proven: every checkpoint descends from its predecessor, the first is an\n"
    "     initialisation independent of every base, the final one is the submitted model\n"
    "  1  chain broken at a step, origin not independent, or final checkpoint not the submitted one\n"
    "  6  inconclusive: the evidence decides neither way\n"
    "  2  usage error    3  bad input (unreadable checkpoint or manifest)    4  unsupported\n"
    "SOURCE_DATE_EPOCH, when set, fixes the report's generation time (byte-identical reruns).\n";

struct ChainCliOptions {
    std::vector<std::string> checkpoints;
    std::string manifest;
    std::vector<std::string> bases;
    std::vector<std::string> registries;
    std::string submitted;
    std::string out;
    std::string lang = "en";
    bool json = false;
    long long seed = -1;
    bool origin_bases_only = false;
    bool bases_every_checkpoint = false;
    bool full_links = false;
};


std::string command_line(const ChainCliOptions& o) {
    std::string cmd = "lineage chain";
    for (const auto& c : o.checkpoints) cmd += " " + shell_quote(c);
    if (!o.manifest.empty()) cmd += " --manifest " + shell_quote(o.manifest);
    for (const auto& b : o.bases) cmd += " --base " + shell_quote(b);
    for (const auto& g : o.registries) cmd += " --registry " + shell_quote(g);
    if (!o.submitted.empty()) cmd += " --submitted " + shell_quote(o.submitted);
    if (o.seed >= 0) cmd += " --seed " + std::to_string(o.seed);
    if (o.origin_bases_only) cmd += " --origin-bases-only";
    if (o.bases_every_checkpoint) cmd += " --bases-every-checkpoint";
    if (o.full_links) cmd += " --full-links";
    cmd += " --lang " + o.lang;
    return cmd;
}

int run_chain_command(const ChainCliOptions& o) {
    if (o.manifest.empty() == o.checkpoints.empty())
        throw UsageError("give either the checkpoints in order or --manifest FILE, not both");
    const reports::Language lang = reports::parse_language(o.lang);
    const audit::Progress progress = terminal_progress();

    audit::ChainOptions options;
    options.manifest = o.manifest.empty() ? audit::chain_from_folders(o.checkpoints)
                                          : audit::read_chain_manifest(o.manifest);
    options.bases = o.bases;
    options.registries = o.registries;
    if (!o.submitted.empty()) options.submitted = o.submitted;
    else if (options.manifest.submitted) options.submitted = options.manifest.submitted;
    if (o.seed >= 0) options.seed = static_cast<std::uint64_t>(o.seed);
    if (o.origin_bases_only && o.bases_every_checkpoint)
        throw UsageError("--origin-bases-only and --bases-every-checkpoint exclude each other");
    options.base_comparisons = o.origin_bases_only ? audit::ChainOptions::BaseComparisons::origin_only
                               : o.bases_every_checkpoint ? audit::ChainOptions::BaseComparisons::every
                                                          : audit::ChainOptions::BaseComparisons::carry;
    options.full_links = o.full_links;
    options.command = command_line(o);

    const audit::ChainResult result = audit::run_chain(options, lang, progress);
    const reports::Report report = audit::build_chain_report(result, lang);
    if (!emit_report(report, o.out, o.json, lang, progress)) {
        std::cout << reports::format(lang, "cli.chain.verdict",
                                     {reports::message(lang, std::string("chain.verdict_word.") +
                                                                 audit::chain_verdict_name(result.verdict)),
                                      report.verdict.reason})
                  << '\n';
        if (!o.out.empty()) std::cout << reports::format(lang, "cli.wrote", {o.out}) << '\n';
    }
    switch (audit::chain_outcome(result.verdict)) {
        case reports::Outcome::pass: return static_cast<int>(ExitCode::ok);
        case reports::Outcome::fail: return static_cast<int>(ExitCode::finding);
        case reports::Outcome::inconclusive: break;
    }
    return static_cast<int>(ExitCode::inconclusive);
}

}  // namespace

std::function<int()> setup_chain(CLI::App& sub) {
    auto o = std::make_shared<ChainCliOptions>();
    sub.add_option("CHECKPOINT", o->checkpoints,
                   "Checkpoints of one run in training order (folders; steps read from names such "
                   "as step-000250)");
    sub.add_option("--manifest", o->manifest,
                   "Manifest of the run instead (TSV or .json: step, path, tokens_seen, log)");
    sub.add_option("--base", o->bases, "A known model the origin must be independent of (repeatable)");
    sub.add_option("--registry", o->registries,
                   "Fingerprint registry (HDF5): every entry is a base of the origin (repeatable)");
    sub.add_option("--submitted", o->submitted,
                   "The submitted model: the final checkpoint must have its content digest");
    sub.add_option("--out", o->out, "Folder for report.json, report.md and report.html");
    sub.add_option("--lang", o->lang, "Report language")->check(CLI::IsMember({"en", "ko"}));
    sub.add_flag("--json", o->json, "Print the JSON record instead of the summary");
    sub.add_option("--seed", o->seed, "Seed for every null, control and sketch")
        ->check(CLI::NonNegativeNumber);
    sub.add_flag("--origin-bases-only", o->origin_bases_only,
                 "Compare only the first checkpoint with the bases (faster timelines)");
    sub.add_flag("--bases-every-checkpoint", o->bases_every_checkpoint,
                 "Compare every checkpoint with the bases (default: the first one, and a later one "
                 "only where continuity does not carry the first one's independence to it)");
    sub.add_flag("--full-links", o->full_links,
                 "Run the full weight probe on every link instead of the link probe first (slower)");
    sub.footer(kChainFooter);
    return [o] { return run_chain_command(*o); };
}

}  // namespace lineage::cli
