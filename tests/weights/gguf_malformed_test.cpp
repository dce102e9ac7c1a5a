// The catalogue of malformed GGUF files. Every case is generated here from a valid GgufSpec
// (gguf_builder.h) with one field made wrong, opened with Checkpoint::open, and must throw an
// InputError whose one-line message names the file and the problem, leaving the folder as it was.
// With the `lineage` binary built, each case also runs end to end: `lineage inspect` exits 3.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>

#include "gguf_builder.h"
#include "safetensors_builder.h"
#include "weights/checkpoint.h"
#include "weights/core/error.h"
#include "weights/core/mapped_file.h"
#include "weights/formats/gguf.h"

namespace fs = std::filesystem;
using namespace lineage::testing;
using lineage::weights::Checkpoint;

namespace {

struct GgufCase {
    const char* name;
    std::function<void(GgufSpec&)> spoil;
    std::vector<std::string> message_parts;
};

std::string array_value(std::uint32_t type, std::uint64_t count, const std::string& items) {
    std::string s;
    put(s, type);
    put(s, count);
    return s + items;
}

const std::vector<GgufCase>& catalogue() {
    static const std::vector<GgufCase> cases = {
        {"empty file", [](GgufSpec& s) { s.truncate_to = 0; }, {"too short"}},
        {"bad magic", [](GgufSpec& s) { s.magic = 0x46554746; }, {"bad magic"}},
        {"version 0", [](GgufSpec& s) { s.version = 0; }, {"version 0"}},
        {"version 4", [](GgufSpec& s) { s.version = 4; }, {"version 4"}},
        {"truncated in the counts", [](GgufSpec& s) { s.truncate_to = 12; }, {"truncated"}},
        {"truncated in a value", [](GgufSpec& s) { s.truncate_to = 60; }, {"truncated"}},
        {"truncated in the tensor infos", [](GgufSpec& s) { s.truncate_to = 150; }, {"truncated"}},
        {"truncated data", [](GgufSpec& s) { s.data_bytes = 300; }, {"tensor 'output_norm.weight'", "runs past the end"}},
        {"metadata count beyond the file", [](GgufSpec& s) { s.kv_count = std::int64_t(1) << 60; }, {"cannot fit"}},
        {"tensor count beyond the file", [](GgufSpec& s) { s.tensor_count = std::int64_t(1) << 40; }, {"cannot fit"}},
        {"string length beyond the file",
         [](GgufSpec& s) {
             std::string v;
             put<std::uint64_t>(v, std::uint64_t(1) << 62);
             s.kvs.push_back(gguf_kv("general.name", 8, v));
         },
         {"runs past the end"}},
        {"array count beyond the file",
         [](GgufSpec& s) { s.kvs.push_back(gguf_kv("tokenizer.ggml.tokens", 9, array_value(8, std::uint64_t(1) << 61, ""))); },
         {"tokenizer.ggml.tokens", "cannot fit"}},
        {"duplicate metadata key",
         [](GgufSpec& s) { s.kvs.push_back(gguf_kv("general.architecture", 8, string_value("qwen2"))); },
         {"duplicate metadata key 'general.architecture'"}},
        {"empty metadata key", [](GgufSpec& s) { s.kvs.push_back(gguf_kv("", 4, u32_value(1))); }, {"empty"}},
        {"unknown value type", [](GgufSpec& s) { s.kvs.push_back(gguf_kv("x.y", 13, u32_value(1))); }, {"unknown value type 13"}},
        {"unknown array element type",
         [](GgufSpec& s) { s.kvs.push_back(gguf_kv("x.y", 9, array_value(99, 1, "a"))); }, {"unknown array element type"}},
        {"arrays nested too deep",
         [](GgufSpec& s) {
             const std::string inner = array_value(9, 1, array_value(4, 1, u32_value(7)));
             s.kvs.push_back(gguf_kv("x.y", 9, array_value(9, 1, inner)));
         },
         {"nested"}},
        {"bool that is neither 0 nor 1", [](GgufSpec& s) { s.kvs.push_back(gguf_kv("x.b", 7, std::string(1, '\x02'))); }, {"bool"}},
        {"alignment not a power of two",
         [](GgufSpec& s) { s.kvs[1] = gguf_kv("general.alignment", 4, u32_value(24)); }, {"general.alignment"}},
        {"alignment of the wrong type",
         [](GgufSpec& s) { s.kvs[1] = gguf_kv("general.alignment", 8, string_value("32")); }, {"general.alignment"}},
        {"duplicate tensor name", [](GgufSpec& s) { s.tensors[1].name = s.tensors[0].name; }, {"duplicate tensor name"}},
        {"empty tensor name", [](GgufSpec& s) { s.tensors[1].name = ""; }, {"empty name"}},
        {"no dimensions", [](GgufSpec& s) { s.tensors[0].ne = {}; }, {"0 dimensions"}},
        {"five dimensions", [](GgufSpec& s) { s.tensors[0].ne = {32, 1, 1, 1, 1}; }, {"5 dimensions"}},
        {"zero dimension", [](GgufSpec& s) { s.tensors[0].ne = {32, 0}; }, {"dimension 1 is 0"}},
        {"overflowing dimensions",
         [](GgufSpec& s) { s.tensors[0].ne = {std::uint64_t(1) << 40, std::uint64_t(1) << 40}; }, {"overflows"}},
        {"dimension beyond int64", [](GgufSpec& s) { s.tensors[0].ne = {std::uint64_t(1) << 63}; }, {"dimension 0"}},
        {"unknown ggml type", [](GgufSpec& s) { s.tensors[0].type = 77; }, {"unknown ggml type 77"}},
        {"retired ggml type (Q4_2)", [](GgufSpec& s) { s.tensors[0].type = 4; }, {"unknown ggml type 4"}},
        {"row not whole blocks", [](GgufSpec& s) { s.tensors[0] = {"token_embd.weight", {48, 2}, 8, 0}; },
         {"not a multiple of the Q8_0 block size 32"}},
        {"misaligned data offset", [](GgufSpec& s) { s.tensors[1].offset = 260; }, {"not a multiple of the alignment"}},
        {"tensor past the end", [](GgufSpec& s) { s.tensors[1].offset = 1u << 20; }, {"runs past the end"}},
        {"overlapping tensors", [](GgufSpec& s) { s.tensors[1].offset = 224; }, {"overlaps"}},
        {"offset near 2^64",
         [](GgufSpec& s) { s.tensors[1].offset = std::numeric_limits<std::uint64_t>::max() - 31; }, {"runs past the end"}},
    };
    return cases;
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<std::string> listing(const fs::path& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string() + ":" +
                                                                   std::to_string(fs::file_size(e.path())));
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

TEST_CASE("the valid GGUF spec opens (so each catalogue case fails for its one spoiled field)") {
    TempDir dir;
    GgufSpec().write((dir.path() / "m.gguf").string());
    const auto cp = Checkpoint::open((dir.path() / "m.gguf").string());
    CHECK(cp.format() == "gguf");
    REQUIRE(cp.tensors().size() == 2);
    CHECK(cp.at("model.embed_tokens.weight").shape == std::vector<std::int64_t>{2, 32});
    CHECK(cp.at("model.norm.weight").file_offset % 32 == 0);
}

TEST_CASE("the malformed GGUF catalogue holds at least 30 cases") { CHECK(catalogue().size() >= 30); }

TEST_CASE("every malformed GGUF file is refused with a one-line InputError naming the file") {
    for (const auto& c : catalogue()) {
        SUBCASE(c.name) {
            TempDir dir;
            GgufSpec spec;
            c.spoil(spec);
            const fs::path file = dir.path() / "model.gguf";
            spec.write(file.string());
            const auto before = listing(dir.path());
            std::string message;
            for (const fs::path& target : {file, dir.path()}) {  // the file, and its folder
                try {
                    Checkpoint::open(target.string());
                    FAIL("accepted: " << c.name);
                } catch (const lineage::InputError& e) {
                    message = e.what();
                }
                INFO(c.name << ": " << message);
                CHECK(message.find(file.string()) != std::string::npos);
                for (const auto& part : c.message_parts) CHECK(message.find(part) != std::string::npos);
                CHECK(message.find('\n') == std::string::npos);
            }
            CHECK(listing(dir.path()) == before);  // no side effect
        }
    }
}

TEST_CASE("GGUF version 1 and types without a decoder are unsupported, not malformed") {
    TempDir dir;
    GgufSpec v1;
    v1.version = 1;
    v1.write((dir.path() / "v1.gguf").string());
    CHECK_THROWS_AS(Checkpoint::open((dir.path() / "v1.gguf").string()), lineage::UnsupportedError);
    GgufSpec iq;
    iq.tensors = {{"token_embd.weight", {256, 1}, 16, 0}};  // IQ2_XXS: 66 bytes
    iq.write((dir.path() / "iq.gguf").string());
    try {
        Checkpoint::open((dir.path() / "iq.gguf").string());
        FAIL("IQ2_XXS accepted");
    } catch (const lineage::UnsupportedError& e) {
        CHECK(std::string(e.what()).find("IQ2_XXS") != std::string::npos);
    }
}

TEST_CASE("a folder holding two GGUF files asks which one to read") {
    TempDir dir;
    GgufSpec().write((dir.path() / "a-f16.gguf").string());
    GgufSpec().write((dir.path() / "a-q8_0.gguf").string());
    CHECK_THROWS_AS(Checkpoint::open(dir.path().string()), lineage::UsageError);
}

TEST_CASE("the CLI exits 3 with one stderr line for every malformed GGUF file") {
    const fs::path binary = LINEAGE_BINARY;
    if (!fs::exists(binary)) return;
    for (const auto& c : catalogue()) {
        SUBCASE(c.name) {
            TempDir dir;
            GgufSpec spec;
            c.spoil(spec);
            const fs::path file = dir.path() / "model.gguf";
            spec.write(file.string());
            const fs::path err = dir.path() / "stderr.txt";
            const std::string cmd = "'" + binary.string() + "' inspect '" + file.string() + "' > /dev/null 2> '" +
                                    err.string() + "'";
            const int status = std::system(cmd.c_str());
            INFO(c.name);
            REQUIRE(WIFEXITED(status));
            CHECK(WEXITSTATUS(status) == 3);
            const std::string text = slurp(err);
            CHECK(std::count(text.begin(), text.end(), '\n') == 1);
            CHECK(text.find(file.string()) != std::string::npos);
        }
    }
}
