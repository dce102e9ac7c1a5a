// `lineage batch run|submit|collect`: audits of many candidates listed in a manifest (TSV or JSON,
// audit/batch/manifest.h), run locally with a work queue and resumable results (batch_runner.h,
// result_store.h), or as a Slurm job array (slurm_job.h), then merged into a summary
// (batch_summary.h). Every item is one `lineage audit` child process, so an item's report is
// exactly what the same audit run by hand would write.
#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "audit/batch/batch_runner.h"
#include "audit/batch/batch_summary.h"
#include "audit/batch/manifest.h"
#include "audit/batch/result_store.h"
#include "audit/batch/shard.h"
#include "audit/batch/slurm_job.h"
#include "weights/core/error.h"

namespace lineage::cli {
namespace {
namespace fs = std::filesystem;
namespace batch = audit::batch;

constexpr const char* kBatchFooter =
    "Output folder: DIR/items/<id>/ (report.json/.md/.html, audit.out, audit.err, done.json or\n"
    "failed.json), DIR/summary.{csv,json} and DIR/index.html (collect), DIR/slurm/ (submit).\n"
    "Rerunning skips done items and redoes failed or partial ones; kill -9 loses nothing "
    "finished.\n"
    "Exit codes of batch run: 0 every item done (any verdict) or held by another live worker;\n"
    "  1 some item failed (its error in DIR/items/<id>/failed.json; rerun to retry);\n"
    "  2 usage   3 bad manifest or unwritable DIR.\n"
    "batch submit prints the job id; 5 when sbatch refuses the job. batch collect: 0.\n";

// Flags shared by run and submit: what to audit and how.
struct BatchOptions {
    std::string manifest;
    std::string out;
    std::vector<std::string> bases;       // for every item, after the item's own
    std::vector<std::string> registries;  // forwarded as --registry
    std::string policy;
    std::string lang = "en";
    long long seed = -1;
    bool no_controls = false;
    bool no_activations = false;
    std::size_t jobs = 1;
    double item_timeout = 0;
    long long stale_after = 600;
};

struct RunOptions {
    BatchOptions common;
    std::string shard;
};

struct SubmitOptions {
    BatchOptions common;
    bool slurm = false;
    batch::SlurmSettings slurm_settings;
    std::size_t shards = 0;
    bool only_unfinished = false;
    bool dry_run = false;
};

struct CollectOptions {
    std::string dir;
    bool json = false;
};

std::string absolute_existing(const std::string& p, const char* what) {
    std::error_code ec;
    if (!fs::exists(p, ec)) throw InputError(p, std::string(what) + " not found");
    return fs::absolute(p).lexically_normal().string();
}

void add_common(CLI::App& app, BatchOptions& o) {
    app.add_option("MANIFEST", o.manifest, "Candidates: TSV (ID<TAB>PATH[<TAB>BASE]...) or JSON")
        ->required();
    app.add_option("--out", o.out, "Output folder (results, locks, summary)")->required();
    app.add_option("--base", o.bases, "A base for every item, after the item's own (repeatable)");
    app.add_option("--registry", o.registries, "Fingerprint registry (HDF5), passed to each audit");
    app.add_option("--policy", o.policy, "Policy file (TOML; default: independent-foundation)");
    app.add_option("--lang", o.lang, "Report language")->check(CLI::IsMember({"en", "ko"}));
    app.add_option("--seed", o.seed, "Seed for every null and control")
        ->check(CLI::NonNegativeNumber);
    app.add_flag("--no-controls", o.no_controls, "Skip the positive controls in every audit");
    app.add_flag("--no-activations", o.no_activations, "Skip the activation probe in every audit");
    app.add_option("--jobs,-j", o.jobs, "Audits at once (per array task under Slurm)")
        ->check(CLI::Range(1, 256));
    app.add_option("--item-timeout", o.item_timeout,
                   "Seconds after which an audit is killed and recorded failed (0: none)")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--stale-after", o.stale_after,
                   "Seconds without heartbeat after which another host's lock is stale")
        ->check(CLI::Range(60LL, 86400LL * 7));
}

// The audit's arguments for one item (without the program and --out).
std::vector<std::string> audit_args(const BatchOptions& o, const batch::ManifestItem& item,
                                    const std::vector<std::string>& bases,
                                    const std::vector<std::string>& registries,
                                    const std::string& policy) {
    std::vector<std::string> a{"audit", item.path};
    for (const auto& b : item.bases) a.insert(a.end(), {"--base", b});
    for (const auto& b : bases) a.insert(a.end(), {"--base", b});
    for (const auto& r : registries) a.insert(a.end(), {"--registry", r});
    if (!policy.empty()) a.insert(a.end(), {"--policy", policy});
    if (o.seed >= 0) a.insert(a.end(), {"--seed", std::to_string(o.seed)});
    if (o.no_controls) a.push_back("--no-controls");
    if (o.no_activations) a.push_back("--no-activations");
    a.insert(a.end(), {"--lang", o.lang});
    return a;
}

// The manifest, its jobs and the store, shared by run and submit.
struct Prepared {
    std::string manifest;  // absolute
    std::vector<batch::ManifestItem> items;
    std::vector<batch::BatchJob> jobs;
    std::unique_ptr<batch::ResultStore> store;
};

Prepared prepare(const BatchOptions& o) {
    Prepared p;
    p.manifest = absolute_existing(o.manifest, "manifest");
    p.items = batch::read_manifest(p.manifest);
    std::vector<std::string> bases, registries;
    for (const auto& b : o.bases) bases.push_back(absolute_existing(b, "base"));
    for (const auto& r : o.registries) registries.push_back(absolute_existing(r, "registry"));
    const std::string policy = o.policy.empty() ? "" : absolute_existing(o.policy, "policy");
    for (const auto& item : p.items)
        p.jobs.push_back({item, audit_args(o, item, bases, registries, policy)});
    p.store = std::make_unique<batch::ResultStore>(o.out);
    p.store->write_manifest(p.manifest, p.items);
    return p;
}

// The `lineage batch run` flags that reproduce `o` (for the sbatch script).
std::vector<std::string> run_argv(const BatchOptions& o, const Prepared& p) {
    std::vector<std::string> a{batch::self_executable(), "batch", "run", p.manifest, "--out",
                               p.store->dir().string()};
    for (const auto& b : o.bases) a.insert(a.end(), {"--base", absolute_existing(b, "base")});
    for (const auto& r : o.registries)
        a.insert(a.end(), {"--registry", absolute_existing(r, "registry")});
    if (!o.policy.empty()) a.insert(a.end(), {"--policy", absolute_existing(o.policy, "policy")});
    if (o.seed >= 0) a.insert(a.end(), {"--seed", std::to_string(o.seed)});
    if (o.no_controls) a.push_back("--no-controls");
    if (o.no_activations) a.push_back("--no-activations");
    a.insert(a.end(), {"--lang", o.lang, "--jobs", std::to_string(o.jobs)});
    if (o.item_timeout > 0) a.insert(a.end(), {"--item-timeout", std::to_string(o.item_timeout)});
    a.insert(a.end(), {"--stale-after", std::to_string(o.stale_after)});
    return a;
}

int run_batch_run(const RunOptions& o) {
    Prepared p = prepare(o.common);
    std::vector<batch::BatchJob> selected = p.jobs;
    if (!o.shard.empty()) {
        const batch::Shard shard = batch::parse_shard(o.shard);
        selected.clear();
        for (std::size_t i : batch::shard_positions(p.jobs.size(), shard))
            selected.push_back(p.jobs[i]);
        std::cerr << "lineage batch: shard " << shard.index << "/" << shard.count << ": "
                  << selected.size() << " of " << p.jobs.size() << " items\n";
    }
    batch::RunnerSettings settings;
    settings.program = batch::self_executable();
    settings.jobs = o.common.jobs;
    settings.item_timeout_s = o.common.item_timeout;
    settings.stale_after = std::chrono::seconds(o.common.stale_after);
    settings.log = [](const std::string& line) { std::cerr << "lineage batch: " << line << "\n"; };
    const batch::RunTally t = batch::run_batch(*p.store, selected, settings);
    std::cout << "batch run: " << t.done << " done now, " << t.already_done << " done before, "
              << t.failed << " failed, " << t.busy << " held by another worker ("
              << p.store->dir().string() << ")\n";
    return t.failed > 0 ? static_cast<int>(ExitCode::finding) : static_cast<int>(ExitCode::ok);
}

int run_batch_submit(SubmitOptions o) {
    if (!o.slurm)
        throw UsageError("batch submit: name the scheduler with --slurm (the only one supported)");
    Prepared p = prepare(o.common);
    const std::size_t n = p.jobs.size();
    batch::SlurmSettings& s = o.slurm_settings;
    s.shards = o.shards > 0 ? std::min(o.shards, n) : std::min<std::size_t>(n, 1000);

    std::vector<std::size_t> tasks;
    std::vector<bool> unfinished(s.shards, !o.only_unfinished);
    if (o.only_unfinished)
        for (std::size_t i = 0; i < n; ++i)
            if (p.store->state(p.jobs[i].item.id, p.jobs[i].args) != batch::ItemState::done)
                unfinished[batch::shard_of(i, s.shards)] = true;
    for (std::size_t k = 0; k < s.shards; ++k)
        if (unfinished[k]) tasks.push_back(k);
    if (tasks.empty()) {
        std::cerr << "lineage batch: every item is done; nothing to submit\n";
        return static_cast<int>(ExitCode::ok);
    }

    const fs::path slurm_dir = p.store->dir() / "slurm";
    fs::create_directories(slurm_dir);
    const fs::path script = slurm_dir / "batch.sbatch";
    batch::write_file_atomic(script,
                             batch::sbatch_script(s, run_argv(o.common, p), p.store->dir()));
    fs::permissions(script, fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec,
                    fs::perm_options::add);
    const std::string array = batch::array_spec(tasks, s.array_max);
    if (o.dry_run) {
        std::cerr << "lineage batch: wrote " << script.string()
                  << "; submit with: sbatch --array=" << array << " "
                  << audit::shell_quote(script.string()) << "\n";
        return static_cast<int>(ExitCode::ok);
    }
    const std::string job = batch::submit_sbatch(script, array);
    std::cerr << "lineage batch: submitted job " << job << " (array " << array << ", " << n
              << " items in " << s.shards << " shards; logs in " << slurm_dir.string() << ")\n";
    std::cout << job << "\n";
    return static_cast<int>(ExitCode::ok);
}

int run_batch_collect(const CollectOptions& o) {
    const fs::path dir = fs::absolute(o.dir).lexically_normal();
    const batch::BatchSummary s = batch::collect_batch(dir);
    batch::write_summary(s, dir);
    if (o.json) {
        std::cout << batch::summary_json(s);
        return static_cast<int>(ExitCode::ok);
    }
    std::cout << s.rows.size() << " items: " << s.done << " done (" << s.pass << " pass, " << s.fail
              << " fail, " << s.inconclusive << " inconclusive), " << s.failed << " failed, "
              << s.partial << " partial, " << s.pending << " pending\n";
    for (const auto& r : s.rows)
        if (r.state == "failed") std::cout << "failed " << r.id << ": " << r.error << "\n";
    std::cout << "wrote " << (dir / "summary.csv").string() << ", summary.json, index.html\n";
    return static_cast<int>(ExitCode::ok);
}

}  // namespace

std::function<int()> setup_batch(CLI::App& sub) {
    sub.require_subcommand(1);
    sub.footer(kBatchFooter);
    auto chosen = std::make_shared<std::function<int()>>();

    auto run = std::make_shared<RunOptions>();
    CLI::App* r = sub.add_subcommand("run", "Audit every item of a manifest here (resumable)");
    add_common(*r, run->common);
    r->add_option("--shard", run->shard, "Only shard K of N (K/N, round-robin over the manifest)");
    r->callback([chosen, run] { *chosen = [run] { return run_batch_run(*run); }; });

    auto submit = std::make_shared<SubmitOptions>();
    CLI::App* s =
        sub.add_subcommand("submit", "Write an sbatch job array for a manifest and submit it");
    add_common(*s, submit->common);
    s->add_flag("--slurm", submit->slurm, "Submit to Slurm (required: the supported scheduler)");
    s->add_option("--partition", submit->slurm_settings.partition, "Slurm partition");
    s->add_option("--time", submit->slurm_settings.time,
                  "Time limit per array task (e.g. 02:00:00)");
    s->add_option("--gres", submit->slurm_settings.gres, "Generic resources per task (e.g. gpu:1)");
    s->add_option("--cpus-per-task", submit->slurm_settings.cpus_per_task, "CPUs per array task");
    s->add_option("--array-max", submit->slurm_settings.array_max,
                  "At most N array tasks running at once (%N)");
    s->add_option("--shards", submit->shards, "Array tasks (default: one per item, at most 1000)");
    s->add_option("--sbatch-arg", submit->slurm_settings.extra,
                  "Further #SBATCH argument, verbatim (repeatable; e.g. --account=proj)");
    s->add_flag("--only-unfinished", submit->only_unfinished,
                "Submit only the shards with items not done (resubmit failed tasks)");
    s->add_flag("--dry-run", submit->dry_run, "Write the script and print the sbatch command only");
    s->callback([chosen, submit] { *chosen = [submit] { return run_batch_submit(*submit); }; });

    auto collect = std::make_shared<CollectOptions>();
    CLI::App* c =
        sub.add_subcommand("collect", "Merge a batch's results: summary.csv/.json, index.html");
    c->add_option("DIR", collect->dir, "The batch output folder")->required();
    c->add_flag("--json", collect->json, "Print summary.json instead of the counts");
    c->callback([chosen, collect] { *chosen = [collect] { return run_batch_collect(*collect); }; });

    return [chosen] { return *chosen ? (*chosen)() : static_cast<int>(ExitCode::usage); };
}

}  // namespace lineage::cli
