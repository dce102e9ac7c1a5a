// Chain manifests: TSV and JSON are read with relative paths resolved from the manifest's folder;
// every malformed manifest (too few checkpoints, steps out of order, tokens decreasing or given for
// some only, bad numbers, wrong field counts) is rejected naming the file; folders given on the
// command line get their steps from their names, or from their positions.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "audit/chain/chain_manifest.h"
#include "weights/core/error.h"

using namespace lineage::audit;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    fs::path path;
    TempDir() {
        path = fs::temp_directory_path() / ("lineage-chain-" + std::to_string(::getpid()));
        fs::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string write(const std::string& name, const std::string& text) const {
        std::ofstream(path / name, std::ios::binary) << text;
        return (path / name).string();
    }
};

bool rejected(const TempDir& d, const std::string& name, const std::string& text,
              const std::string& expect) {
    const std::string p = d.write(name, text);
    try {
        read_chain_manifest(p);
    } catch (const lineage::InputError& e) {
        const std::string what = e.what();
        const bool ok = what.find(p) != std::string::npos && what.find(expect) != std::string::npos;
        if (!ok) MESSAGE("unexpected message: ", what);
        return ok;
    }
    return false;
}

}  // namespace

TEST_CASE("a TSV manifest with header, comments, tokens and log excerpts") {
    TempDir d;
    const std::string p = d.write("run.tsv",
                                  "step\tpath\ttokens_seen\tlog\n"
                                  "# the initialisation\n"
                                  "0\tckpt/step-0\t0\tinit\n"
                                  "1000\tckpt/step-1000\t4096000\tloss 3.1\r\n"
                                  "2000\t/abs/final\t8192000\n");
    const ChainManifest m = read_chain_manifest(p);
    REQUIRE(m.checkpoints.size() == 3);
    CHECK(m.checkpoints[0].step == 0);
    CHECK(m.checkpoints[0].path == (d.path / "ckpt/step-0").string());
    CHECK(m.checkpoints[1].tokens_seen == 4096000);
    CHECK(m.checkpoints[1].log == "loss 3.1");
    CHECK(m.checkpoints[2].path == "/abs/final");
    CHECK(m.checkpoints[2].log.empty());
    CHECK(m.source == p);
    CHECK_FALSE(m.submitted);
}

TEST_CASE("a JSON manifest with the submitted model") {
    TempDir d;
    const std::string p = d.write(
        "run.json",
        R"({"checkpoints": [{"step": 0, "path": "a"}, {"step": 10, "path": "b", "log": "x"}],
            "submitted": "final"})");
    const ChainManifest m = read_chain_manifest(p);
    REQUIRE(m.checkpoints.size() == 2);
    CHECK(m.checkpoints[1].step == 10);
    CHECK(m.checkpoints[1].log == "x");
    CHECK_FALSE(m.checkpoints[0].tokens_seen);
    REQUIRE(m.submitted);
    CHECK(*m.submitted == (d.path / "final").string());
}

TEST_CASE("every kind of malformed manifest is rejected, naming the file") {
    TempDir d;
    CHECK(rejected(d, "one.tsv", "0\ta\n", "at least two"));
    CHECK(rejected(d, "order.tsv", "0\ta\n0\tb\n", "steps must increase"));
    CHECK(rejected(d, "back.tsv", "10\ta\n5\tb\n", "steps must increase"));
    CHECK(rejected(d, "tokens.tsv", "0\ta\t100\n5\tb\t50\n", "tokens_seen decreases"));
    CHECK(rejected(d, "some.tsv", "0\ta\t100\n5\tb\n", "for all or none"));
    CHECK(rejected(d, "step.tsv", "x\ta\n5\tb\n", "not a non-negative integer"));
    CHECK(rejected(d, "neg.tsv", "-1\ta\n5\tb\n", "not a non-negative integer"));
    CHECK(rejected(d, "fields.tsv", "0\n5\tb\n", "field(s)"));
    CHECK(rejected(d, "many.tsv", "0\ta\t1\tlog\textra\n5\tb\n", "field(s)"));
    CHECK(rejected(d, "badtok.tsv", "0\ta\t1e3\n5\tb\t2000\n", "tokens_seen"));
    CHECK(rejected(d, "nolist.json", R"({"steps": []})", "checkpoints"));
    CHECK(rejected(d, "nopath.json", R"({"checkpoints": [{"step": 0}, {"step": 1, "path": "b"}]})",
                   "path"));
    CHECK(rejected(d, "frac.json",
                   R"({"checkpoints": [{"step": 0.5, "path": "a"}, {"step": 1, "path": "b"}]})",
                   "integer"));
    CHECK(rejected(d, "sub.json",
                   R"({"checkpoints": [{"step": 0, "path": "a"}, {"step": 1, "path": "b"}],
                       "submitted": 3})",
                   "submitted"));
    CHECK_THROWS_AS(read_chain_manifest((d.path / "missing.tsv").string()), lineage::InputError);
    CHECK_THROWS_AS(read_chain_manifest(d.write("bad.json", "{")), lineage::InputError);
}

TEST_CASE("steps from folder names, the final model after them, or positions") {
    CHECK(step_in_name("/runs/x/step-000250") == 250);
    CHECK(step_in_name("/runs/x/checkpoint-1000/") == 1000);
    CHECK(step_in_name("global_step77") == 77);
    CHECK(step_in_name("run-step_12") == 12);
    CHECK_FALSE(step_in_name("/models/llama-3.1-8b"));
    CHECK_FALSE(step_in_name("final"));

    const ChainManifest named = chain_from_folders({"r/step-0", "r/step-250", "r/step-500"});
    CHECK(named.checkpoints[2].step == 500);
    CHECK_FALSE(named.steps_from_positions);

    const ChainManifest final_last = chain_from_folders({"r/step-000000", "r/step-000250", "B"});
    CHECK(final_last.checkpoints[2].step == 500);
    CHECK_FALSE(final_last.steps_from_positions);
    CHECK(final_last.last_step_inferred);
    CHECK_FALSE(named.last_step_inferred);

    const ChainManifest positions = chain_from_folders({"x", "y"});
    CHECK(positions.checkpoints[1].step == 1);
    CHECK(positions.steps_from_positions);

    const ChainManifest unordered = chain_from_folders({"r/step-500", "r/step-250"});
    CHECK(unordered.steps_from_positions);  // names out of order: positions, as given

    CHECK_THROWS_AS(chain_from_folders({"only"}), lineage::UsageError);
}
