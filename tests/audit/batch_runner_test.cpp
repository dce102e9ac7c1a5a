// The batch work queue (audit/batch/batch_runner.h) against a stand-in audit program: a shell
// script that behaves like `lineage audit` per candidate name (pass, fail, bad input, crash, hang,
// no report, flaky), so that every exit path becomes the right item state, reruns skip what is done
// and redo what is not, and no more than --jobs audits run at once.
#include <doctest/doctest.h>

#include <fstream>

#include "audit/batch/batch_runner.h"
#include "audit/batch/batch_summary.h"
#include "audit/batch/item_lock.h"
#include "weights/core/error.h"
#include "weights/safetensors_builder.h"

using namespace lineage::audit::batch;
using lineage::testing::TempDir;
using lineage::testing::write_bytes;
namespace fs = std::filesystem;

namespace {

// argv: audit CANDIDATE [...] --out DIR. Behaviour from the candidate's base name.
constexpr const char* kFakeAudit = R"(#!/bin/sh
cand=$2
for a in "$@"; do [ "$prev" = --out ] && out=$a; prev=$a; done
state=$(dirname "$0")
touch "$state/running.$$"
n=$(ls "$state" | grep -c '^running\.')
echo "$n" >> "$state/concurrency"
finish() { rm -f "$state/running.$$"; }
report() { printf '{"verdict":"%s","components":[{"relation":"%s"},{"relation":"independent"}]}\n' "$1" "$2" > "$out/report.json"; echo "<html>" > "$out/report.html"; }
case $(basename "$cand") in
  pass) sleep 0.2; report pass independent; finish; exit 0 ;;
  fail) report fail derived; finish; exit 1 ;;
  undecided) report inconclusive inconclusive; finish; exit 6 ;;
  broken) echo "lineage: progress" >&2; echo "lineage: error: $cand: truncated file" >&2; finish; exit 3 ;;
  crash) finish; kill -SEGV $$ ;;
  hang) finish; exec sleep 30 ;;
  noreport) finish; exit 0 ;;
  flaky) if [ -e "$state/flaky.seen" ]; then report pass independent; finish; exit 0; fi
         touch "$state/flaky.seen"; echo "lineage: error: transient" >&2; finish; exit 5 ;;
esac
finish; exit 70
)";

struct Fixture {
    TempDir dir;
    std::string program;
    Fixture() {
        write_bytes(dir / "bin/audit.sh", kFakeAudit);
        fs::permissions(dir / "bin/audit.sh", fs::perms::owner_all);
        program = (dir / "bin/audit.sh").string();
    }
    std::vector<BatchJob> jobs(const std::vector<std::string>& names) const {
        std::vector<BatchJob> out;
        for (const auto& n : names) {
            BatchJob j;
            j.item.id = n + "-id";
            j.item.path = "/models/" + n;
            j.args = {"audit", j.item.path, "--no-activations"};
            out.push_back(j);
        }
        return out;
    }
    RunTally run(ResultStore& store, const std::vector<BatchJob>& jobs, std::size_t width = 1,
                 double timeout = 0) const {
        RunnerSettings s;
        s.program = program;
        s.jobs = width;
        s.item_timeout_s = timeout;
        return run_batch(store, jobs, s);
    }
};

}  // namespace

TEST_CASE("every exit path becomes the right item state") {
    Fixture f;
    ResultStore store(f.dir / "out");
    const auto jobs = f.jobs({"pass", "fail", "undecided", "broken", "crash", "noreport"});
    const RunTally t = f.run(store, jobs);
    CHECK(t.done == 3);
    CHECK(t.failed == 3);
    CHECK(t.already_done == 0);
    CHECK(store.record("pass-id")->verdict == "pass");
    CHECK(store.record("fail-id")->verdict == "fail");
    CHECK(store.record("fail-id")->exit_code == 1);
    CHECK(store.record("undecided-id")->verdict == "inconclusive");
    const auto broken = store.record("broken-id");
    CHECK(broken->state == ItemState::failed);
    CHECK(broken->exit_code == 3);
    CHECK(broken->error == "lineage: error: /models/broken: truncated file");  // the last line
    const auto crash = store.record("crash-id");
    CHECK(crash->signal == 11);
    CHECK_FALSE(crash->exit_code);
    CHECK(crash->error.find("killed by signal 11") == 0);
    CHECK(store.record("noreport-id")->error.find("wrote no readable report.json") !=
          std::string::npos);
    // The audit's own output is kept beside the result; nothing is left in work/ or locks/.
    CHECK(fs::exists(store.item_dir("broken-id") / "audit.err"));
    CHECK(fs::is_empty(store.dir() / "work"));
    CHECK(fs::is_empty(store.dir() / "locks"));
    CHECK(store.record("pass-id")->args == jobs[0].args);
}

TEST_CASE("a rerun skips done items and redoes failed ones") {
    Fixture f;
    ResultStore store(f.dir / "out");
    const auto jobs = f.jobs({"pass", "flaky", "fail"});
    RunTally t = f.run(store, jobs);
    CHECK(t.done == 2);
    CHECK(t.failed == 1);
    CHECK(store.record("flaky-id")->exit_code == 5);
    t = f.run(store, jobs);
    CHECK(t.already_done == 2);
    CHECK(t.done == 1);  // flaky, second time lucky
    CHECK(t.failed == 0);
    CHECK(store.record("flaky-id")->state == ItemState::done);
    // Other arguments make a done item outdated: it is redone.
    auto changed = jobs;
    changed[0].args.push_back("--seed");
    changed[0].args.push_back("7");
    t = f.run(store, changed);
    CHECK(t.done == 1);
    CHECK(t.already_done == 2);
    CHECK(store.record("pass-id")->args == changed[0].args);
}

TEST_CASE("items locked by a live worker are skipped, never run twice") {
    Fixture f;
    ResultStore store(f.dir / "out");
    auto held = ItemLock::try_acquire(store.lock_path("pass-id"), std::chrono::seconds(600));
    REQUIRE(held);
    const RunTally t = f.run(store, f.jobs({"pass", "fail"}));
    CHECK(t.busy == 1);
    CHECK(t.done == 1);
    CHECK(store.state("pass-id", {}) == ItemState::pending);
}

TEST_CASE("--jobs bounds the audits running at once; a hung audit is killed at the timeout") {
    Fixture f;
    ResultStore store(f.dir / "out");
    const RunTally t = f.run(store, f.jobs({"pass", "pass2", "hang"}), 2, 1.0);
    // pass2 is unknown to the fake: exit 70 (internal error) → failed.
    CHECK(t.done == 1);
    CHECK(t.failed == 2);
    CHECK(store.record("hang-id")->error.find("timed out") == 0);
    std::ifstream in(f.dir / "bin/concurrency");
    int n = 0, most = 0;
    while (in >> n) most = std::max(most, n);
    CHECK(most >= 1);
    CHECK(most <= 2);
}

TEST_CASE("collect: counts, CSV, JSON and HTML with failures and escaping") {
    Fixture f;
    ResultStore store(f.dir / "out");
    const auto jobs = f.jobs({"pass", "fail", "undecided", "broken"});
    std::vector<ManifestItem> items;
    for (const auto& j : jobs) items.push_back(j.item);
    items.push_back(ManifestItem{"later", "/models/later", {}, 0});
    store.write_manifest("/m/list.tsv", items);
    f.run(store, jobs);
    // An item with an error message that needs escaping, from an earlier manifest.
    ItemRecord odd;
    odd.id = "odd";
    odd.state = ItemState::failed;
    odd.path = "/models/<odd>";
    odd.exit_code = 3;
    odd.error = "bad \"header\", <script>";
    store.finish_attempt(store.begin_attempt("odd"), odd);

    const BatchSummary s = collect_batch(store.dir());
    REQUIRE(s.rows.size() == 6);
    CHECK(s.rows[4].id == "later");
    CHECK(s.rows[4].state == "pending");
    CHECK(s.rows[5].id == "odd");
    CHECK(s.done == 3);
    CHECK(s.failed == 2);
    CHECK(s.pending == 1);
    CHECK(s.pass == 1);
    CHECK(s.fail == 1);
    CHECK(s.inconclusive == 1);
    CHECK(s.rows[1].derived == 1);
    CHECK(s.rows[1].independent == 1);

    const std::string csv = summary_csv(s);
    CHECK(csv.rfind("id,state,verdict,exit_code,derived,independent,inconclusive,seconds,path,"
                    "report,error\r\n",
                    0) == 0);
    CHECK(csv.find("\r\nfail-id,done,fail,1,1,1,0,") != std::string::npos);
    CHECK(csv.find(",/models/fail,items/fail-id/report.html,\r\n") != std::string::npos);
    CHECK(csv.find("\r\nlater,pending,,,,,,,/models/later,,\r\n") != std::string::npos);
    CHECK(csv.find(",\"bad \"\"header\"\", <script>\"\r\n") != std::string::npos);

    const auto json = lineage::JsonValue::parse(summary_json(s), "summary.json");
    CHECK(json.find("counts")->find("failed")->as_int() == 2);
    CHECK(json.find("items")->as_array()[3].find("error")->as_string() ==
          "lineage: error: /models/broken: truncated file");
    CHECK(json.find("items")->as_array()[0].find("report")->as_string() ==
          "items/pass-id/report.html");

    const std::string html = summary_html(s);
    CHECK(html.find("<a href=\"items/pass-id/report.html\">report</a>") != std::string::npos);
    CHECK(html.find("<script>") == std::string::npos);
    CHECK(html.find("&lt;script&gt;") != std::string::npos);
    CHECK(html.find("6 items: 3 done (1 pass, 1 fail, 1 inconclusive), 2 failed") !=
          std::string::npos);

    write_summary(s, store.dir());
    CHECK(fs::exists(store.dir() / "index.html"));
    CHECK_THROWS_AS(collect_batch(f.dir / "nothing"), lineage::InputError);
}
