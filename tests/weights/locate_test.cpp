// Where checkpoints live: the Hugging Face cache layout built in a temporary folder (refs/main ->
// snapshots/REV with symlinks into ../../blobs), found through $HF_HUB_CACHE and $HF_HOME, by model
// id, by revision, and by the path of the repo or snapshot folder; a plain folder and a single file.
#include <doctest/doctest.h>

#include <cstdlib>

#include "safetensors_builder.h"
#include "weights/checkpoint.h"
#include "weights/core/error.h"
#include "weights/digest.h"

namespace fs = std::filesystem;
using namespace lineage::testing;
using lineage::weights::Checkpoint;

namespace {

// hub/models--acme--tiny/{blobs/<sha>, refs/main, snapshots/abc123/{model.safetensors,config.json}}
fs::path make_cache(const fs::path& hub) {
    const fs::path repo = hub / "models--acme--tiny";
    const std::string weights = valid_f32_file({{"model.embed_tokens.weight", 6}});
    const std::string blob = lineage::weights::sha256_hex(std::as_bytes(std::span(weights.data(), weights.size())));
    write_bytes(repo / "blobs" / blob, weights);
    write_bytes(repo / "blobs" / "cfgblob", R"({"model_type":"llama","hidden_size":3,"vocab_size":2})");
    write_bytes(repo / "refs" / "main", "abc123");
    fs::create_directories(repo / "snapshots" / "abc123");
    fs::create_symlink("../../blobs/" + blob, repo / "snapshots" / "abc123" / "model.safetensors");
    fs::create_symlink("../../blobs/cfgblob", repo / "snapshots" / "abc123" / "config.json");
    return repo;
}

struct EnvGuard {
    std::string name;
    std::optional<std::string> old;
    EnvGuard(std::string n, const std::string& value) : name(std::move(n)) {
        if (const char* v = std::getenv(name.c_str())) old = v;
        setenv(name.c_str(), value.c_str(), 1);
    }
    ~EnvGuard() {
        if (old) setenv(name.c_str(), old->c_str(), 1);
        else unsetenv(name.c_str());
    }
};

}  // namespace

TEST_CASE("a model id is found in $HF_HUB_CACHE through refs/main") {
    TempDir dir;
    make_cache(dir / "hub");
    EnvGuard g("HF_HUB_CACHE", (dir / "hub").string());
    const auto cp = Checkpoint::open("acme/tiny");
    CHECK(cp.from_hf_cache());
    CHECK(cp.revision() == "abc123");
    CHECK(cp.tensors().size() == 1);
    REQUIRE(cp.config().has_value());
    CHECK(cp.config()->hidden_size == 3);
    CHECK(Checkpoint::open("acme/tiny@abc123").revision() == "abc123");
    CHECK_THROWS_AS(Checkpoint::open("acme/tiny@nope"), lineage::InputError);
    CHECK_THROWS_AS(Checkpoint::open("acme/absent"), lineage::InputError);
}

TEST_CASE("a model id is found in $HF_HOME/hub") {
    TempDir dir;
    make_cache(dir / "home" / "hub");
    EnvGuard g1("HF_HUB_CACHE", (dir / "elsewhere").string());
    EnvGuard g2("HF_HOME", (dir / "home").string());
    CHECK(Checkpoint::open("acme/tiny").tensors().size() == 1);
}

TEST_CASE("repo and snapshot folders given by path allow symlinks into blobs only") {
    TempDir dir;
    const auto repo = make_cache(dir / "hub");
    CHECK(Checkpoint::open(repo.string()).revision() == "abc123");
    CHECK(Checkpoint::open((repo / "snapshots" / "abc123").string()).tensors().size() == 1);
    // A snapshot file pointing outside the repository is refused.
    write_bytes(dir / "outside.safetensors", valid_f32_file({{"x", 1}}));
    fs::remove(repo / "snapshots" / "abc123" / "model.safetensors");
    fs::create_symlink(dir / "outside.safetensors", repo / "snapshots" / "abc123" / "model.safetensors");
    CHECK_THROWS_WITH_AS(Checkpoint::open((repo / "snapshots" / "abc123").string()),
                         doctest::Contains("outside the checkpoint folder"), lineage::InputError);
}

TEST_CASE("a plain folder and a single file") {
    TempDir dir;
    write_bytes(dir / "ck" / "model.safetensors", valid_f32_file({{"a", 1}, {"b", 2}}));
    const auto folder = Checkpoint::open((dir / "ck").string());
    CHECK(folder.tensors().size() == 2);
    CHECK(!folder.config().has_value());
    CHECK(!folder.sibling("tokenizer.json").has_value());
    const auto file = Checkpoint::open((dir / "ck" / "model.safetensors").string());
    CHECK(file.root() == dir / "ck");
    CHECK(file.at("b").num_elements == 2);
}
