// Shards and Slurm job arrays (audit/batch/shard.h, slurm_job.h): round-robin shards cover every
// item exactly once, --array specifications, the sbatch script's contents, and sbatch's answers
// (job id, refusal, absence) through a stand-in sbatch named by LINEAGE_SBATCH.
#include <doctest/doctest.h>

#include <cstdlib>
#include <set>

#include "audit/batch/shard.h"
#include "audit/batch/slurm_job.h"
#include "weights/core/error.h"
#include "weights/safetensors_builder.h"

using namespace lineage::audit::batch;
using lineage::audit::shell_quote;
using lineage::testing::TempDir;
using lineage::testing::write_bytes;

TEST_CASE("parse_shard accepts K/N with K < N only") {
    const Shard s = parse_shard("3/8");
    CHECK(s.index == 3);
    CHECK(s.count == 8);
    for (const char* bad : {"", "3", "8/8", "1/0", "-1/4", "a/4", "1/4x", "1//4", "/4"})
        CHECK_THROWS_AS(parse_shard(bad), lineage::UsageError);
}

TEST_CASE("round-robin shards partition the manifest") {
    for (std::size_t n : {0u, 1u, 7u, 20u})
        for (std::size_t k : {1u, 3u, 8u}) {
            std::multiset<std::size_t> seen;
            for (std::size_t i = 0; i < k; ++i)
                for (std::size_t p : shard_positions(n, Shard{i, k})) {
                    CHECK(shard_of(p, k) == i);
                    seen.insert(p);
                }
            CHECK(seen.size() == n);
            CHECK(std::set<std::size_t>(seen.begin(), seen.end()).size() == n);
        }
    CHECK(shard_positions(7, Shard{1, 3}) == std::vector<std::size_t>{1, 4});
}

TEST_CASE("array_spec compresses ranges and adds the throttle") {
    CHECK(array_spec({0, 1, 2, 3}, 0) == "0-3");
    CHECK(array_spec({0, 1, 2, 3}, 2) == "0-3%2");
    CHECK(array_spec({3}, 0) == "3");
    CHECK(array_spec({1, 3, 4, 5, 9}, 0) == "1,3-5,9");
}

TEST_CASE("shell_quote") {
    CHECK(shell_quote("/a/b-c_d.e") == "/a/b-c_d.e");
    CHECK(shell_quote("a b") == "'a b'");
    CHECK(shell_quote("it's") == "'it'\\''s'");
    CHECK(shell_quote("$HOME") == "'$HOME'");
    CHECK(shell_quote("") == "''");
}

TEST_CASE("the sbatch script: one array task per shard, settings as #SBATCH lines") {
    SlurmSettings s;
    s.shards = 5;
    s.partition = "gpu";
    s.time = "01:00:00";
    s.gres = "gpu:1";
    s.cpus_per_task = 4;
    s.array_max = 2;
    s.extra = {"--account=lineage"};
    const std::string script = sbatch_script(
        s, {"/opt/lineage", "batch", "run", "/m/list.tsv", "--out", "/r/out dir"}, "/r/out dir");
    CHECK(script.rfind("#!/bin/bash\n", 0) == 0);
    for (const char* line :
         {"#SBATCH --array=0-4%2\n", "#SBATCH --partition=gpu\n", "#SBATCH --time=01:00:00\n",
          "#SBATCH --gres=gpu:1\n", "#SBATCH --cpus-per-task=4\n", "#SBATCH --account=lineage\n",
          "#SBATCH --output='/r/out dir/slurm/%A_%a.out'\n", "SHARDS=5\n",
          "exec /opt/lineage batch run /m/list.tsv --out '/r/out dir' --shard "
          "\"${SLURM_ARRAY_TASK_ID}/${SHARDS}\"\n"})
        CHECK_MESSAGE(script.find(line) != std::string::npos, line);
    // Defaults add no partition/time/gres lines.
    SlurmSettings plain;
    plain.shards = 1;
    const std::string p = sbatch_script(plain, {"/l", "batch", "run"}, "/o");
    CHECK(p.find("--partition") == std::string::npos);
    CHECK(p.find("--gres") == std::string::npos);
    CHECK(p.find("#SBATCH --array=0\n") != std::string::npos);
}

TEST_CASE("submit_sbatch: job id, refusal, missing sbatch") {
    TempDir dir;
    const auto fake = [&](const std::string& name, const std::string& body) {
        const auto p = dir / name;
        write_bytes(p, "#!/bin/sh\n" + body);
        std::filesystem::permissions(p, std::filesystem::perms::owner_all);
        return p.string();
    };
    const std::string ok =
        fake("ok.sh", "echo \"$@\" > \"$(dirname \"$0\")/args\"\necho '4242;cluster1'\n");
    const std::string refuse =
        fake("no.sh", "echo 'sbatch: error: invalid partition' >&2\nexit 1\n");
    const char* saved = std::getenv("LINEAGE_SBATCH");
    const std::string saved_value = saved ? saved : "";

    ::setenv("LINEAGE_SBATCH", ok.c_str(), 1);
    CHECK(submit_sbatch("/x/batch.sbatch", "0-3%2") == "4242");
    std::ifstream args(dir / "args");
    std::string line;
    std::getline(args, line);
    CHECK(line == "--parsable --array=0-3%2 /x/batch.sbatch");

    ::setenv("LINEAGE_SBATCH", refuse.c_str(), 1);
    try {
        submit_sbatch("/x/batch.sbatch", "0");
        FAIL("no error");
    } catch (const lineage::DeviceError& e) {
        CHECK(std::string(e.what()) == "sbatch refused the job: sbatch: error: invalid partition");
    }
    ::setenv("LINEAGE_SBATCH", (dir / "absent").string().c_str(), 1);
    CHECK_THROWS_AS(submit_sbatch("/x/batch.sbatch", "0"), lineage::UsageError);

    if (saved)
        ::setenv("LINEAGE_SBATCH", saved_value.c_str(), 1);
    else
        ::unsetenv("LINEAGE_SBATCH");
}
