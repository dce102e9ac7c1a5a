// Tokenizer::load on tokenizer.model files: the SentencePiece BPE merge order on a tiny hand-made
// ModelProto (expected ids produced by sentencepiece 0.2.3 from the same proto), format detection
// by content, folder resolution (tokenizer.json preferred over tokenizer.model), and one-line
// errors naming the file for a protobuf that does not parse, a rank file with invalid base64 and
// a normalization rule Lineage cannot apply. Real-file conformance is tokenizer_golden_test.cpp.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "reference_model/tokenizer/tokenizer.h"
#include "weights/core/error.h"

namespace fs = std::filesystem;
using lineage::InputError;
using lineage::UnsupportedError;
using lineage::model::Tokenizer;

namespace {

// Minimal protobuf writer for the fields of sentencepiece_model.proto the test needs.
struct Proto {
    std::string bytes;
    void varint(std::uint64_t v) {
        while (v >= 0x80) {
            bytes.push_back(static_cast<char>((v & 0x7F) | 0x80));
            v >>= 7;
        }
        bytes.push_back(static_cast<char>(v));
    }
    void key(int field, int wire) { varint(static_cast<std::uint64_t>(field) << 3 | static_cast<unsigned>(wire)); }
    void field_varint(int field, std::uint64_t v) {
        key(field, 0);
        varint(v);
    }
    void field_bytes(int field, const std::string& s) {
        key(field, 2);
        varint(s.size());
        bytes += s;
    }
    void field_float(int field, float f) {
        key(field, 5);
        char b[4];
        std::memcpy(b, &f, 4);
        bytes.append(b, 4);
    }
};

enum Type { NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5 };

// Pieces: ids 0..13. Scores decide the merge order ("bc" before "ab"; the UNUSED "ca" first of all).
std::string tiny_model(const std::string& charsmap = "") {
    struct P {
        const char* piece;
        float score;
        Type type;
    };
    const P pieces[] = {{"<unk>", 0, UNKNOWN},          {"<s>", 0, CONTROL},  {"</s>", 0, CONTROL},
                        {"\xE2\x96\x81", -2, NORMAL},   {"a", -3, NORMAL},    {"b", -3, NORMAL},
                        {"c", -3, NORMAL},              {"ab", -1, NORMAL},   {"bc", -0.5f, NORMAL},
                        {"aa", -1, NORMAL},             {"\xE2\x96\x81" "a", -4, NORMAL},
                        {"ca", 5, UNUSED},              {"<x>", 0, USER_DEFINED}, {"x", -3, NORMAL}};
    Proto model;
    for (const P& p : pieces) {
        Proto sp;
        sp.field_bytes(1, p.piece);
        sp.field_float(2, p.score);
        sp.field_varint(3, p.type);
        model.field_bytes(1, sp.bytes);
    }
    Proto trainer;
    trainer.field_varint(3, 2);  // model_type BPE
    trainer.field_varint(40, 0);
    trainer.field_varint(41, 1);
    trainer.field_varint(42, 2);
    model.field_bytes(2, trainer.bytes);
    Proto normalizer;
    normalizer.field_bytes(1, charsmap.empty() ? "identity" : "nmt_nfkc");
    if (!charsmap.empty()) normalizer.field_bytes(2, charsmap);
    normalizer.field_varint(3, 1);  // add_dummy_prefix
    normalizer.field_varint(4, 0);  // remove_extra_whitespaces
    model.field_bytes(3, normalizer.bytes);
    return model.bytes;
}

struct TempDir {
    fs::path path;
    TempDir() {
        path = fs::temp_directory_path() / ("lineage_tok_model_" + std::to_string(reinterpret_cast<std::uintptr_t>(this)));
        fs::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    fs::path write(const std::string& name, const std::string& bytes) const {
        std::ofstream(path / name, std::ios::binary) << bytes;
        return path / name;
    }
};

using Ids = std::vector<std::int32_t>;

std::string error_of(const fs::path& p) {
    try {
        Tokenizer::load(p);
    } catch (const InputError& e) {
        return e.what();
    } catch (const UnsupportedError& e) {
        return std::string("unsupported: ") + e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("sentencepiece bpe: merge order, byte-less unknowns, user-defined and unused pieces as the library") {
    TempDir dir;
    Tokenizer tok = Tokenizer::load(dir.write("tokenizer.model", tiny_model()));
    CHECK(tok.json() == nullptr);
    CHECK(tok.vocab_size() == 14);
    CHECK(tok.encode("abc", false) == Ids{10, 8});        // "bc" (-0.5) before "ab" (-1), then "▁a"
    CHECK(tok.encode("aaa", false) == Ids{3, 9, 4});      // equal candidates: leftmost "aa" first
    CHECK(tok.encode("cab", false) == Ids{3, 6, 4, 5});   // UNUSED "ca" formed, then split back
    CHECK(tok.encode("a<x>b", false) == Ids{10, 12, 5});  // USER_DEFINED piece frozen
    CHECK(tok.encode("dd a", false) == Ids{3, 0, 10});    // unknown run fused (no byte_fallback)
    CHECK(tok.encode("x<x>d", false) == Ids{3, 13, 12, 0});
    CHECK(tok.encode(" ab", false) == Ids{3, 3, 7});
    CHECK(tok.encode("ab  c", false) == Ids{3, 7, 3, 3, 6});
    CHECK(tok.encode("abc", true) == Ids{1, 10, 8});      // BOS first, no EOS
    CHECK(tok.encode("", true) == Ids{1});
    CHECK(tok.decode(Ids{1, 4, 0, 3, 3, 7}, false) == "a \xE2\x81\x87   ab");
    CHECK(tok.decode(Ids{1, 4, 0, 3, 3, 7}, true) == "a  ab");
    CHECK(tok.decode(Ids{3, 7, 3, 3, 6}, false) == "ab  c");
    CHECK(tok.is_special_id(1));
    CHECK_FALSE(tok.is_special_id(12));
    CHECK(tok.token_to_id("<x>") == 12);
    CHECK(tok.id_to_token(8) == std::optional<std::string>("bc"));
}

TEST_CASE("sentencepiece bpe: encoding a long text stays fast (heap merge, not quadratic)") {
    TempDir dir;
    Tokenizer tok = Tokenizer::load(dir.write("tokenizer.model", tiny_model()));
    std::string text;
    for (int i = 0; i < 40000; ++i) text += "abc aa cab ";
    auto ids = tok.encode(text, false);
    CHECK(ids.size() > 100000);
    CHECK(tok.decode(ids, false) == text);
}

TEST_CASE("tokenizer.model: folder resolution prefers tokenizer.json and accepts a lone tokenizer.model") {
    TempDir dir;
    dir.write("tokenizer.model", tiny_model());
    CHECK(Tokenizer::load(dir.path).json() == nullptr);
    fs::copy_file(fs::path(LINEAGE_SOURCE_DIR) / "tests/data/tokenizers/sp_bpe_legacy.json", dir.path / "tokenizer.json");
    CHECK(Tokenizer::load(dir.path).json() != nullptr);
}

TEST_CASE("tokenizer.model: malformed files are one-line errors naming the file") {
    TempDir dir;
    SUBCASE("protobuf that does not parse") {
        std::string bytes = tiny_model();
        fs::path p = dir.write("tokenizer.model", bytes.substr(0, bytes.size() / 2));
        std::string e = error_of(p);
        CHECK(e.find(p.string()) != std::string::npos);
        CHECK(e.find("SentencePiece") != std::string::npos);
        CHECK(e.find('\n') == std::string::npos);
    }
    SUBCASE("rank file with invalid base64") {
        fs::path p = dir.write("tokenizer.model", "IQ== 0\nIg== 1\n#$%^ 2\n");
        std::string e = error_of(p);
        CHECK(e.find(p.string()) != std::string::npos);
        CHECK(e.find("line 3") != std::string::npos);
        CHECK(e.find("base64") != std::string::npos);
        CHECK(e.find('\n') == std::string::npos);
    }
    SUBCASE("normalization rule that cannot be applied") {
        fs::path p = dir.write("tokenizer.model", tiny_model("\x01\x02\x03\x04"));
        std::string e = error_of(p);
        CHECK(e.rfind("unsupported: ", 0) == 0);
        CHECK(e.find(p.string()) != std::string::npos);
        CHECK(e.find("precompiled_charsmap") != std::string::npos);
    }
}

TEST_CASE("tiktoken rank file: bare ranks encode with the Llama 3 split regex, no specials unless 128,000 ranks") {
    TempDir dir;
    // Single bytes for "a", "b", " " and the merges "ab" (rank 3) and " ab" (rank 4).
    fs::path p = dir.write("tokenizer.model", "YQ== 0\nYg== 1\nIA== 2\nYWI= 3\nIGFi 4\n");
    Tokenizer tok = Tokenizer::load(p);
    REQUIRE(tok.json() != nullptr);
    CHECK(tok.encode("ab ab", true) == Ids{3, 4});
    CHECK(tok.encode("ba", false) == Ids{1, 0});
    CHECK(tok.decode(Ids{3, 4, 2}, false) == "ab ab ");
}
