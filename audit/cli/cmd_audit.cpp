// `lineage audit CANDIDATE [--base PATH]... [--registry FILE]... [--policy FILE] [--out DIR]
// [--lang en|ko] [--json]`: the main job of the tool. Runs every probe this build has against each
// base, decides per component and for the model under the policy, prints a summary (or the JSON
// record with --json) and writes report.json, report.md and report.html into --out.
// Exit codes: 0 pass, 1 fail, 6 inconclusive; 2 usage, 3 bad input, 4 unsupported (see --help).
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "audit/audit_run.h"
#include "audit/cli/report_output.h"
#include "audit/shell_quote.h"
#include "audit/report_builder.h"
#include "reports/render.h"
#include "weights/core/error.h"

namespace lineage::cli {
namespace {

using audit::shell_quote;

constexpr const char* kAuditFooter =
    "Exit codes of audit:\n"
    "  0  pass: no component is derived and every component is shown independent (with power)\n"
    "  1  fail: a rule of severity \"fail\" matched (e.g. a component's weights are derived)\n"
    "  6  inconclusive: the evidence decides neither way (no base, controls not detected, ...)\n"
    "  2  usage error    3  bad input (unreadable checkpoint or policy)    4  unsupported\n"
    "The default policy is policies/independent-foundation.toml (compiled in).\n"
    "SOURCE_DATE_EPOCH, when set, fixes the report's generation time (byte-identical reruns).\n";

struct AuditCliOptions {
    std::string candidate;
    std::vector<std::string> bases;
    std::vector<std::string> registries;
    std::string policy;
    std::string out;
    std::string lang = "en";
    bool json = false;
    long long seed = -1;
    bool no_controls = false;
    bool no_activations = false;
};


// The command as a reviewer would retype it (the reproducibility record).
std::string command_line(const AuditCliOptions& o) {
    std::string cmd = "lineage audit " + shell_quote(o.candidate);
    for (const auto& b : o.bases) cmd += " --base " + shell_quote(b);
    for (const auto& g : o.registries) cmd += " --registry " + shell_quote(g);
    if (!o.policy.empty()) cmd += " --policy " + shell_quote(o.policy);
    if (o.seed >= 0) cmd += " --seed " + std::to_string(o.seed);
    if (o.no_controls) cmd += " --no-controls";
    if (o.no_activations) cmd += " --no-activations";
    cmd += " --lang " + o.lang;
    return cmd;
}

int exit_code(reports::Outcome outcome) {
    switch (outcome) {
        case reports::Outcome::pass:
            return static_cast<int>(ExitCode::ok);
        case reports::Outcome::fail:
            return static_cast<int>(ExitCode::finding);
        case reports::Outcome::inconclusive:
            break;
    }
    return static_cast<int>(ExitCode::inconclusive);
}

int run_audit_command(const AuditCliOptions& o) {
    const reports::Language lang = reports::parse_language(o.lang);
    const audit::Progress progress = terminal_progress();

    audit::AuditOptions options;
    options.candidate = o.candidate;
    options.bases = o.bases;
    options.registries = o.registries;
    if (!o.policy.empty()) options.policy_path = o.policy;
    if (o.seed >= 0) options.seed = static_cast<std::uint64_t>(o.seed);
    options.run_controls = !o.no_controls;
    options.run_activations = !o.no_activations;
    options.command = command_line(o);

    const audit::AuditResult result = audit::run_audit(options, lang, progress);
    const reports::Report report = audit::build_report(result, lang);
    if (!emit_report(report, o.out, o.json, lang, progress)) {
        const auto& v = result.verdict;
        std::cout << reports::format(
                         lang, "cli.verdict",
                         {reports::message(lang, std::string("ui.outcome.") +
                                                     std::string(reports::outcome_name(v.outcome))),
                          result.policy.name, result.policy.version, report.verdict.reason})
                  << '\n'
                  << reports::format(lang, "cli.components",
                                     {std::to_string(v.derived), std::to_string(v.independent),
                                      std::to_string(v.inconclusive)})
                  << '\n';
        if (!o.out.empty()) std::cout << reports::format(lang, "cli.wrote", {o.out}) << '\n';
    }
    return exit_code(result.verdict.outcome);
}

}  // namespace

std::function<int()> setup_audit(CLI::App& sub) {
    auto o = std::make_shared<AuditCliOptions>();
    sub.add_option("CANDIDATE", o->candidate,
                   "The checkpoint under review (folder, .safetensors or ORG/NAME)")
        ->required();
    sub.add_option("--base", o->bases, "A known model to compare against (repeatable)");
    sub.add_option("--registry", o->registries,
                   "Fingerprint registry or fingerprint file (HDF5); every entry is a base (repeatable)");
    sub.add_option("--policy", o->policy, "Policy file (TOML; default: independent-foundation)");
    sub.add_option("--out", o->out, "Folder for report.json, report.md and report.html");
    sub.add_option("--lang", o->lang, "Report language")->check(CLI::IsMember({"en", "ko"}));
    sub.add_flag("--json", o->json, "Print the JSON record instead of the summary");
    sub.add_option("--seed", o->seed, "Seed for every null and control (default: the probes' own)")
        ->check(CLI::NonNegativeNumber);
    sub.add_flag("--no-controls", o->no_controls,
                 "Skip the positive controls (faster; then no component can be shown independent)");
    sub.add_flag("--no-activations", o->no_activations,
                 "Skip the activation probe (no behavioural-similarity finding)");
    sub.footer(kAuditFooter);
    return [o] { return run_audit_command(*o); };
}

}  // namespace lineage::cli
