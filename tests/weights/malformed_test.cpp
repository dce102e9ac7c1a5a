// The catalogue of malformed checkpoints. Every case is generated here (no committed blobs), opened
// with Checkpoint::open, and must throw InputError whose one-line message names the file (and the
// tensor where there is one) and the problem. When the `lineage` binary is built, each case also
// runs end to end: `lineage inspect` must exit 3 with exactly one line on stderr.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <fstream>
#include <functional>
#include <sstream>

#include "safetensors_builder.h"
#include "weights/checkpoint.h"
#include "weights/config_check.h"
#include "weights/core/error.h"
#include "weights/inspection.h"

namespace fs = std::filesystem;
using namespace lineage::testing;
using lineage::weights::Checkpoint;

namespace {

struct Case {
    const char* name;
    // Builds the input in `dir`; returns the path to open and the file the message must name.
    std::function<std::pair<fs::path, std::string>(const fs::path& dir)> build;
    std::vector<std::string> message_parts;  // substrings the message must hold (besides the file)
};

std::pair<fs::path, std::string> one_file(const fs::path& dir, const std::string& bytes) {
    const fs::path p = dir / "model.safetensors";
    write_bytes(p, bytes);
    return {dir, p.string()};
}

std::string entry(const std::string& name, const std::string& body) { return "\"" + name + "\":{" + body + "}"; }

std::string floats(std::size_t n) { return std::string(4 * n, '\0'); }

std::pair<fs::path, std::string> sharded(const fs::path& dir, const std::string& weight_map) {
    write_bytes(dir / "a.safetensors", valid_f32_file({{"x", 2}}));
    write_bytes(dir / "b.safetensors", valid_f32_file({{"y", 2}}));
    const fs::path idx = dir / "model.safetensors.index.json";
    write_bytes(idx, "{\"metadata\":{\"total_size\":16},\"weight_map\":{" + weight_map + "}}");
    return {dir, idx.string()};
}

const std::vector<Case>& catalogue() {
    static const std::vector<Case> cases = {
        {"empty file", [](auto& d) { return one_file(d, ""); }, {"truncated"}},
        {"truncated length prefix", [](auto& d) { return one_file(d, "\x10\x00\x00"); }, {"truncated"}},
        {"header length larger than file",
         [](auto& d) { return one_file(d, safetensors_bytes("{}", "", 4096)); }, {"runs past the end"}},
        {"header over the cap",
         [](auto& d) { return one_file(d, safetensors_bytes("{}", "", std::int64_t(1) << 40)); }, {"cap"}},
        {"zero header length", [](auto& d) { return one_file(d, safetensors_bytes("", "", 0)); }, {"'{'"}},
        {"header not an object", [](auto& d) { return one_file(d, safetensors_bytes("[1,2]", "")); }, {"'{'"}},
        {"invalid JSON", [](auto& d) { return one_file(d, safetensors_bytes("{\"a\":", "")); }, {"JSON"}},
        {"invalid UTF-8 in header",
         [](auto& d) { return one_file(d, safetensors_bytes("{\"\xff\xfe\":{}}", "")); }, {"JSON"}},
        {"truncated header (cut inside JSON)",
         [](auto& d) {
             auto bytes = valid_f32_file({{"w", 4}});
             return one_file(d, bytes.substr(0, 20));
         },
         {"runs past the end"}},
        {"entry not an object", [](auto& d) { return one_file(d, safetensors_bytes("{\"w\":5}", "")); },
         {"tensor 'w'", "not a JSON object"}},
        {"unknown dtype",
         [](auto& d) {
             return one_file(d, safetensors_bytes("{" + entry("w", R"("dtype":"Q4","shape":[2],"data_offsets":[0,2])") + "}",
                                                  "ab"));
         },
         {"tensor 'w'", "unknown dtype"}},
        {"missing dtype",
         [](auto& d) { return one_file(d, safetensors_bytes("{" + entry("w", R"("shape":[1],"data_offsets":[0,4])") + "}", floats(1))); },
         {"tensor 'w'", "dtype"}},
        {"negative dimension",
         [](auto& d) {
             return one_file(d, safetensors_bytes("{" + entry("w", R"("dtype":"F32","shape":[-1],"data_offsets":[0,4])") + "}", floats(1)));
         },
         {"tensor 'w'", "non-negative"}},
        {"fractional dimension",
         [](auto& d) {
             return one_file(d, safetensors_bytes("{" + entry("w", R"("dtype":"F32","shape":[1.5],"data_offsets":[0,4])") + "}", floats(1)));
         },
         {"tensor 'w'", "non-negative integer"}},
        {"overflowing shape",
         [](auto& d) {
             return one_file(d, safetensors_bytes("{" + entry("w", R"("dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4])") + "}", floats(1)));
         },
         {"tensor 'w'", "overflow"}},
        {"byte size overflow (elements fit, bytes do not)",
         [](auto& d) {
             return one_file(d, safetensors_bytes("{" + entry("w", R"("dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,8])") + "}", floats(2)));
         },
         {"tensor 'w'", "overflow"}},
        {"dtype size x shape != byte length",
         [](auto& d) {
             return one_file(d, safetensors_bytes("{" + entry("w", R"("dtype":"F32","shape":[3],"data_offsets":[0,8])") + "}", floats(2)));
         },
         {"tensor 'w'", "byte length 8"}},
        {"sub-byte dtype off a byte boundary",
         [](auto& d) {
             return one_file(d, safetensors_bytes("{" + entry("w", R"("dtype":"F4","shape":[3],"data_offsets":[0,2])") + "}", "ab"));
         },
         {"tensor 'w'", "byte boundary"}},
        {"offsets end before begin",
         [](auto& d) {
             return one_file(d, safetensors_bytes("{" + entry("w", R"("dtype":"F32","shape":[1],"data_offsets":[8,4])") + "}", floats(2)));
         },
         {"tensor 'w'", "before begin"}},
        {"offsets not a pair",
         [](auto& d) {
             return one_file(d, safetensors_bytes("{" + entry("w", R"("dtype":"F32","shape":[1],"data_offsets":[0])") + "}", floats(1)));
         },
         {"tensor 'w'", "data_offsets"}},
        {"gapped offsets",
         [](auto& d) {
             return one_file(d, safetensors_bytes("{" + f32_entry("a", 1, 0) + "," + f32_entry("b", 1, 8) + "}", floats(3)));
         },
         {"tensor 'b'", "gap of 4 bytes"}},
        {"first tensor not at offset 0",
         [](auto& d) { return one_file(d, safetensors_bytes("{" + f32_entry("a", 1, 4) + "}", floats(2))); },
         {"tensor 'a'", "gap"}},
        {"overlapping offsets",
         [](auto& d) {
             return one_file(d, safetensors_bytes("{" + f32_entry("a", 2, 0) + "," + f32_entry("b", 2, 4) + "}", floats(3)));
         },
         {"tensor 'b'", "overlap"}},
        {"out-of-range offsets",
         [](auto& d) { return one_file(d, safetensors_bytes("{" + f32_entry("a", 4, 0) + "}", floats(2))); },
         {"tensor 'a'", "past the end"}},
        {"truncated data",
         [](auto& d) {
             auto bytes = valid_f32_file({{"a", 4}, {"b", 4}});
             return one_file(d, bytes.substr(0, bytes.size() - 3));
         },
         {"tensor 'b'", "truncated"}},
        {"trailing bytes",
         [](auto& d) { return one_file(d, valid_f32_file({{"a", 2}}) + "junk"); }, {"4 trailing bytes"}},
        {"duplicate tensor",
         [](auto& d) {
             return one_file(d, safetensors_bytes("{" + f32_entry("a", 1, 0) + "," + f32_entry("a", 1, 4) + "}", floats(2)));
         },
         {"tensor 'a'", "duplicate"}},
        {"metadata value not a string",
         [](auto& d) { return one_file(d, safetensors_bytes(R"({"__metadata__":{"format":1}})", "")); },
         {"__metadata__", "format"}},
        {"metadata not an object",
         [](auto& d) { return one_file(d, safetensors_bytes(R"({"__metadata__":[1]})", "")); }, {"__metadata__"}},
        {"shard index pointing outside the folder",
         [](auto& d) { return sharded(d, R"("x":"a.safetensors","y":"../b.safetensors")"); },
         {"tensor 'y'", "plain file name"}},
        {"shard index with an absolute path",
         [](auto& d) { return sharded(d, R"("x":"a.safetensors","y":"/etc/passwd")"); }, {"plain file name"}},
        {"shard index naming a missing shard",
         [](auto& d) { return sharded(d, R"("x":"a.safetensors","y":"c.safetensors")"); },
         {"'c.safetensors'", "missing"}},
        {"tensor listed in two shards",
         [](auto& d) { return sharded(d, R"("x":"a.safetensors","y":"b.safetensors","x":"b.safetensors")"); },
         {"tensor 'x'", "listed twice"}},
        {"tensor stored in two shards",
         [](auto& d) {
             write_bytes(d / "a.safetensors", valid_f32_file({{"x", 2}}));
             write_bytes(d / "b.safetensors", valid_f32_file({{"x", 2}, {"y", 2}}));
             write_bytes(d / "model.safetensors.index.json",
                         R"({"weight_map":{"x":"a.safetensors","y":"b.safetensors"}})");
             return std::pair<fs::path, std::string>{d, (d / "b.safetensors").string()};
         },
         {"tensor 'x'", "two shards"}},
        {"index lists a tensor no shard holds",
         [](auto& d) { return sharded(d, R"("x":"a.safetensors","y":"b.safetensors","z":"b.safetensors")"); },
         {"tensor 'z'", "no shard holds it"}},
        {"shard holds a tensor the index does not list",
         [](auto& d) {
             auto r = sharded(d, R"("x":"a.safetensors")");
             write_bytes(d / "a.safetensors", valid_f32_file({{"x", 2}, {"extra", 1}}));
             return std::pair<fs::path, std::string>{d, (d / "a.safetensors").string()};
         },
         {"tensor 'extra'", "not listed"}},
        {"shard symlink escaping the folder",
         [](auto& d) {
             write_bytes(d / "outside" / "evil.safetensors", valid_f32_file({{"y", 2}}));
             fs::create_directories(d / "ckpt");
             write_bytes(d / "ckpt" / "a.safetensors", valid_f32_file({{"x", 2}}));
             fs::create_symlink(d / "outside" / "evil.safetensors", d / "ckpt" / "b.safetensors");
             write_bytes(d / "ckpt" / "model.safetensors.index.json",
                         R"({"weight_map":{"x":"a.safetensors","y":"b.safetensors"}})");
             return std::pair<fs::path, std::string>{d / "ckpt", (d / "ckpt" / "b.safetensors").string()};
         },
         {"outside the checkpoint folder"}},
        {"index is not JSON",
         [](auto& d) {
             write_bytes(d / "a.safetensors", valid_f32_file({{"x", 2}}));
             write_bytes(d / "model.safetensors.index.json", "{weight_map:");
             return std::pair<fs::path, std::string>{d, (d / "model.safetensors.index.json").string()};
         },
         {"invalid JSON"}},
        {"index without weight_map",
         [](auto& d) {
             write_bytes(d / "model.safetensors.index.json", R"({"metadata":{}})");
             return std::pair<fs::path, std::string>{d, (d / "model.safetensors.index.json").string()};
         },
         {"weight_map"}},
        {"empty folder",
         [](auto& d) {
             fs::create_directories(d / "empty");
             return std::pair<fs::path, std::string>{d / "empty", (d / "empty").string()};
         },
         {"no weights found"}},
        {"missing path",
         [](auto& d) { return std::pair<fs::path, std::string>{d / "nothing-here", (d / "nothing-here").string()}; },
         {"no such file"}},
        {"config.json not JSON",
         [](auto& d) {
             one_file(d, valid_f32_file({{"x", 2}}));
             write_bytes(d / "config.json", "{\"hidden_size\": 64,");
             return std::pair<fs::path, std::string>{d, (d / "config.json").string()};
         },
         {"invalid JSON"}},
        {"config.json field of the wrong type",
         [](auto& d) {
             one_file(d, valid_f32_file({{"x", 2}}));
             write_bytes(d / "config.json", R"({"model_type":"llama","hidden_size":"big"})");
             return std::pair<fs::path, std::string>{d, (d / "config.json").string()};
         },
         {"hidden_size"}},
    };
    return cases;
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

TEST_CASE("the malformed-input catalogue holds at least 25 cases") { CHECK(catalogue().size() >= 25); }

TEST_CASE("every malformed input is refused with a one-line InputError naming the file") {
    for (const auto& c : catalogue()) {
        SUBCASE(c.name) {
            TempDir dir;
            const auto [path, file] = c.build(dir.path());
            std::string message;
            try {
                Checkpoint::open(path.string());
                FAIL("accepted: " << c.name);
            } catch (const lineage::InputError& e) {
                message = e.what();
            }
            INFO(c.name << ": " << message);
            CHECK(message.find(file) != std::string::npos);
            for (const auto& part : c.message_parts) CHECK(message.find(part) != std::string::npos);
            CHECK(message.find('\n') == std::string::npos);
        }
    }
}

TEST_CASE("config/tensor shape mismatch is listed and fatal; NaN/Inf are counted, not fatal") {
    TempDir dir;
    // A llama config for hidden 4 / vocab 8, but the embedding is stored as [8, 3].
    write_bytes(dir / "config.json",
                R"({"model_type":"llama","hidden_size":4,"num_hidden_layers":0,"num_attention_heads":1,)"
                R"("vocab_size":8,"intermediate_size":8,"tie_word_embeddings":true})");
    std::string header = "{\"model.embed_tokens.weight\":{\"dtype\":\"F32\",\"shape\":[8,3],\"data_offsets\":[0,96]},"
                         "\"model.norm.weight\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[96,112]}}";
    std::string data(112, '\0');
    const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
    std::memcpy(data.data() + 96, &nan, 4);
    std::memcpy(data.data() + 100, &inf, 4);
    write_bytes(dir / "model.safetensors", safetensors_bytes(header, data));
    const auto cp = Checkpoint::open(dir.path().string());
    const auto mismatches = lineage::weights::check_config(*cp.config(), cp.tensors());
    REQUIRE(mismatches.size() == 1);
    CHECK(mismatches[0].kind == lineage::weights::ConfigMismatch::Kind::shape);
    CHECK(mismatches[0].message.find("model.embed_tokens.weight") != std::string::npos);
    CHECK(lineage::weights::is_fatal(mismatches));
    const auto report = lineage::weights::inspect_checkpoint(cp);
    CHECK(report.tensors_with_nonfinite == 1);
    const auto& norm = report.tensors[1];
    CHECK(norm.info->name == "model.norm.weight");
    CHECK(norm.nan_count == 1);
    CHECK(norm.inf_count == 1);
}

TEST_CASE("the CLI exits 3 with one stderr line for every malformed input") {
    const fs::path binary = LINEAGE_BINARY;
    if (!fs::exists(binary)) return;  // the per-layer test binary may run before `lineage` is built
    for (const auto& c : catalogue()) {
        SUBCASE(c.name) {
            TempDir dir;
            const auto [path, file] = c.build(dir.path());
            const fs::path err = dir / "stderr.txt";
            const std::string cmd = "'" + binary.string() + "' inspect '" + path.string() + "' > /dev/null 2> '" +
                                    err.string() + "'";
            const int status = std::system(cmd.c_str());
            INFO(c.name);
            REQUIRE(WIFEXITED(status));
            CHECK(WEXITSTATUS(status) == 3);
            const std::string text = slurp(err);
            CHECK(std::count(text.begin(), text.end(), '\n') == 1);
            CHECK(text.find(file) != std::string::npos);
        }
    }
}
