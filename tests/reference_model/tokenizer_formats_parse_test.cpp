// Tokenizer format readers on small crafted inputs: base64, byte-level and metaspace decoding, the
// SentencePiece protobuf reader (hand-encoded ModelProto messages), tiktoken rank files,
// tekken.json, the tokenizer.json reduction and canonical merges; and every kind of malformed
// input refused with an error naming the file.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "reference_model/tokenizer/formats/canonical_merges.h"
#include "reference_model/tokenizer/formats/load_vocabulary.h"
#include "reference_model/tokenizer/formats/sentencepiece_model.h"
#include "reference_model/tokenizer/formats/tekken.h"
#include "reference_model/tokenizer/formats/tiktoken_ranks.h"
#include "reference_model/tokenizer/formats/token_bytes.h"
#include "reference_model/tokenizer/formats/vocabulary_readers.h"
#include "weights/core/error.h"

using namespace lineage::model;
namespace fs = std::filesystem;

namespace {

// --- a tiny protobuf writer for crafted ModelProto messages ---
std::string varint(std::uint64_t v) {
    std::string out;
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7F) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
    return out;
}
std::string key(int field, int wire) { return varint(static_cast<std::uint64_t>(field) << 3 | wire); }
std::string bytes_field(int field, const std::string& payload) { return key(field, 2) + varint(payload.size()) + payload; }
std::string varint_field(int field, std::uint64_t v) { return key(field, 0) + varint(v); }
std::string float_field(int field, float f) {
    std::string out = key(field, 5);
    char b[4];
    std::memcpy(b, &f, 4);
    return out + std::string(b, 4);
}
std::string piece(const std::string& text, float score, int type) {
    return bytes_field(1, bytes_field(1, text) + float_field(2, score) + varint_field(3, static_cast<std::uint64_t>(type)));
}

std::string small_model() {
    std::string m = piece("<unk>", 0, 2) + piece("<s>", 0, 3) + piece("</s>", 0, 3) + piece("<0x41>", 0, 6) +
                    piece("\xE2\x96\x81the", -1, 1) + piece("ab", -2, 1) + piece("a", -3, 1) + piece("b", -4, 1);
    m += bytes_field(2, varint_field(3, 2) + varint_field(4, 8) + varint_field(35, 1) + varint_field(40, 0));
    m += bytes_field(3, bytes_field(1, "identity") + varint_field(3, 1));
    return m;
}

fs::path temp_dir(const std::string& name) {
    fs::path d = fs::temp_directory_path() / ("lineage_tf_" + name + "_" + std::to_string(::getpid()));
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
}
void write(const fs::path& p, const std::string& text) {
    std::ofstream(p, std::ios::binary) << text;
}

template <class F>
std::string input_error(F&& f) {
    try {
        f();
    } catch (const lineage::InputError& e) {
        return e.what();
    }
    return "(no InputError)";
}

}  // namespace

TEST_CASE("base64 decoding") {
    CHECK(decode_base64("IQ==").value() == "!");
    CHECK(decode_base64("aGVsbG8=").value() == "hello");
    CHECK(decode_base64("aGVsbG8h").value() == "hello!");
    CHECK(decode_base64("").value().empty());
    CHECK_FALSE(decode_base64("aGVsbG8"));   // bad length
    CHECK_FALSE(decode_base64("aG*sbG8="));  // bad character
    CHECK_FALSE(decode_base64("a=Vs"));      // padding inside
    CHECK_FALSE(decode_base64("===="));
}

TEST_CASE("byte-level and metaspace surface forms decode to raw bytes") {
    CHECK(decode_byte_level("\xC4\xA0the").value() == " the");  // "Ġthe"
    CHECK(decode_byte_level("\xC4\x8A").value() == "\n");        // "Ċ"
    for (int b = 0; b < 256; ++b) {
        std::string one(1, static_cast<char>(b));
        CHECK(decode_byte_level(encode_byte_level(one)).value() == one);
    }
    CHECK_FALSE(decode_byte_level("\xE2\x96\x81"));  // '▁' is not in the byte map
    CHECK(decode_metaspace("\xE2\x96\x81hello\xE2\x96\x81") == " hello ");
    CHECK(parse_byte_piece("<0x0A>").value() == 0x0A);
    CHECK(parse_byte_piece("<0xff>").value() == 0xFF);
    CHECK_FALSE(parse_byte_piece("<0x0G>"));
    CHECK_FALSE(parse_byte_piece("<0x0A"));
}

TEST_CASE("SentencePiece ModelProto: pieces, types and specs") {
    SentencePieceModel m = SentencePieceModel::parse(small_model(), "mem.model");
    REQUIRE(m.pieces.size() == 8);
    CHECK(m.pieces[0].type == PieceType::unknown);
    CHECK(m.pieces[1].type == PieceType::control);
    CHECK(m.pieces[3].type == PieceType::byte);
    CHECK(m.pieces[4].score == -1.0f);
    CHECK(m.model_type == 2);
    CHECK(m.vocab_size == 8);
    CHECK(m.byte_fallback);
    CHECK(m.normalizer_name == "identity");

    Vocabulary v = vocabulary_from_sentencepiece(m);
    CHECK(v.kind_by_id[0] == TokenKind::control);
    CHECK(v.kind_by_id[3] == TokenKind::byte);
    CHECK(v.bytes_by_id[3] == "A");
    CHECK(v.bytes_by_id[4] == " the");
    CHECK(v.hints.special_tokens.size() == 3);
    // canonical merges: "ab" = a + b; " the" has no split into two tokens.
    REQUIRE(v.merges.size() == 1);
    CHECK(v.merges[0] == std::pair<std::int32_t, std::int32_t>{6, 7});
}

TEST_CASE("SentencePiece ModelProto: malformed messages are refused naming the file") {
    const std::string good = small_model();
    CHECK(input_error([&] { SentencePieceModel::parse(good.substr(0, good.size() - 3), "cut.model"); })
              .find("cut.model") == 0);
    CHECK(input_error([&] { SentencePieceModel::parse("\x0A\xFF", "trunc.model"); }).find("truncated") != std::string::npos);
    CHECK(input_error([&] { SentencePieceModel::parse("\x0A\x05\x0A", "past.model"); }).find("past the end") != std::string::npos);
    CHECK(input_error([&] { SentencePieceModel::parse(std::string("\x0B", 1), "group.model"); }).find("wire type") != std::string::npos);
    CHECK(input_error([&] { SentencePieceModel::parse(std::string(11, '\xFF'), "long.model"); }).find("long.model") == 0);
    CHECK(input_error([&] { SentencePieceModel::parse(bytes_field(2, varint_field(3, 2)), "empty.model"); })
              .find("empty vocabulary") != std::string::npos);
    CHECK(input_error([&] { SentencePieceModel::parse(piece("x", 0, 1) + piece("x", 0, 1), "dup.model"); })
              .find("appears twice") != std::string::npos);
    CHECK(input_error([&] { SentencePieceModel::parse(piece("x", 0, 9), "type.model"); }).find("type 9") != std::string::npos);
    CHECK(input_error([&] { SentencePieceModel::parse(bytes_field(1, varint_field(1, 3)), "wire.model"); })
              .find("field 'piece'") != std::string::npos);
    std::string bad_byte = piece("<0xZZ>", 0, 6);
    CHECK(input_error([&] { vocabulary_from_sentencepiece(SentencePieceModel::parse(bad_byte, "byte.model")); })
              .find("not <0xNN>") != std::string::npos);
}

TEST_CASE("tiktoken rank files") {
    TiktokenRanks r = TiktokenRanks::parse("IQ== 0\nIg== 1\n\naGk= 3\n", "ranks.tiktoken");
    CHECK(r.count == 3);
    CHECK(r.bytes_by_rank.size() == 4);
    CHECK_FALSE(r.present[2]);
    CHECK(r.bytes_by_rank[3] == "hi");
    CHECK(looks_like_tiktoken("IQ== 0"));
    CHECK_FALSE(looks_like_tiktoken("\x0A\x05hello"));

    auto err = input_error([] { TiktokenRanks::parse("IQ== 0\nI*== 1\n", "bad.tiktoken"); });
    CHECK(err.find("bad.tiktoken") == 0);
    CHECK(err.find("line 2") != std::string::npos);
    CHECK(err.find("invalid base64") != std::string::npos);
    CHECK(input_error([] { TiktokenRanks::parse("IQ== 0\nIg== 0\n", "r.t"); }).find("already given") != std::string::npos);
    CHECK(input_error([] { TiktokenRanks::parse("IQ== 0\nIQ== 1\n", "d.t"); }).find("duplicates") != std::string::npos);
    CHECK(input_error([] { TiktokenRanks::parse("\n\n", "e.t"); }).find("empty vocabulary") != std::string::npos);
    CHECK(input_error([] { TiktokenRanks::parse("IQ== x\n", "n.t"); }).find("line 1") != std::string::npos);
    CHECK(input_error([] { TiktokenRanks::parse("IQ==0\n", "f.t"); }).find("expected") != std::string::npos);
    CHECK(input_error([] { TiktokenRanks::parse("IQ== 99999999999\n", "big.t"); }).find("2^24") != std::string::npos);
    CHECK(input_error([] { TiktokenRanks::parse("IQ== 5000000\n", "sparse.t"); }).find("unused") != std::string::npos);
}

TEST_CASE("tekken.json") {
    const std::string text = R"({"config": {"pattern": "\\s+", "default_vocab_size": 6,
        "default_num_special_tokens": 3, "version": "v3"},
      "vocab": [{"rank": 0, "token_bytes": "IQ==", "token_str": "!"},
                {"rank": 1, "token_bytes": "Ig==", "token_str": "\""},
                {"rank": 2, "token_bytes": "aGk=", "token_str": "hi"},
                {"rank": 3, "token_bytes": "aGk/", "token_str": null}],
      "special_tokens": [{"rank": 0, "token_str": "<unk>", "is_control": true},
                         {"rank": 1, "token_str": "<s>", "is_control": true}]})";
    TekkenModel t = TekkenModel::parse(text, "tekken.json");
    CHECK(t.num_special == 3);
    REQUIRE(t.vocab_bytes.size() == 3);  // cut to default_vocab_size - specials
    CHECK(t.specials[2].text == "<SPECIAL_2>");
    Vocabulary v = vocabulary_from_tekken(t);
    CHECK(v.size() == 6);
    CHECK(v.kind_by_id[1] == TokenKind::control);
    CHECK(v.bytes_by_id[5] == "hi");

    CHECK(input_error([] { TekkenModel::parse(R"({"config": {}, "vocab": []})", "e.json"); }).find("empty vocabulary") !=
          std::string::npos);
    CHECK(input_error([] {
              TekkenModel::parse(R"({"config": {}, "vocab": [{"rank": 0, "token_bytes": "@@"}]})", "b64.json");
          }).find("invalid base64") != std::string::npos);
    CHECK(input_error([] {
              TekkenModel::parse(R"({"config": {}, "vocab": [{"rank": 0, "token_bytes": "IQ=="},
                                  {"rank": 1, "token_bytes": "IQ=="}]})", "dup.json");
          }).find("duplicates") != std::string::npos);
    CHECK(input_error([] { TekkenModel::parse("{not json", "bad.json"); }).find("bad.json") == 0);
}

TEST_CASE("load_vocabulary detects formats and reduces tokenizer.json") {
    fs::path dir = temp_dir("load");
    // A byte-level BPE tokenizer.json with the specials inside the model vocabulary.
    write(dir / "tokenizer.json", R"({"version": "1.0",
      "added_tokens": [{"id": 5, "content": "<|end|>", "single_word": false, "lstrip": false,
                        "rstrip": false, "normalized": false, "special": true}],
      "normalizer": null,
      "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
      "post_processor": null, "decoder": {"type": "ByteLevel"},
      "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "Ġ": 2, "ab": 3, "Ġab": 4, "<|end|>": 5},
                "merges": ["a b", ["Ġ", "ab"]]}})");
    Vocabulary v = load_vocabulary(dir);
    CHECK(v.format == VocabFormat::tokenizer_json);
    CHECK(v.bytes_by_id[2] == " ");
    CHECK(v.bytes_by_id[4] == " ab");
    CHECK(v.kind_by_id[5] == TokenKind::control);
    CHECK(v.bytes_by_id[5] == "<|end|>");
    CHECK(v.hints.byte_level);
    REQUIRE(v.merges.size() == 2);
    CHECK(v.merges[1] == std::pair<std::int32_t, std::int32_t>{2, 3});
    CHECK(v.sha256.size() == 64);
    CHECK(canonical_merges(v).size() == 2);  // ab = a+b; " ab" = " "+"ab"

    write(dir / "r.tiktoken", "YQ== 0\nYg== 1\nYWI= 2\n");
    Vocabulary t = load_vocabulary(dir / "r.tiktoken");
    CHECK(t.format == VocabFormat::tiktoken);
    CHECK(t.merges_rebuilt);
    CHECK(t.merges.size() == 1);

    write(dir / "sp.model", small_model());
    CHECK(load_vocabulary(dir / "sp.model").format == VocabFormat::sentencepiece);

    write(dir / "x.gguf", "GGUF\x03");  // recognised as GGUF, then refused as truncated
    CHECK_THROWS_AS(load_vocabulary(dir / "x.gguf"), lineage::InputError);
    write(dir / "empty.bin", "");
    CHECK(input_error([&] { load_vocabulary(dir / "empty.bin"); }).find("empty file") != std::string::npos);
    CHECK(input_error([&] { load_vocabulary(dir / "missing"); }).find("no such file") != std::string::npos);
    write(dir / "bad.json", "{\"model\": ");
    CHECK(input_error([&] { load_vocabulary(dir / "bad.json"); }).find("bad.json") != std::string::npos);
    // A byte-level vocabulary holding a character outside the byte map is refused.
    write(dir / "notbl.json", R"({"pre_tokenizer": {"type": "ByteLevel"}, "model": {"type": "BPE",
        "vocab": {"a": 0, "▁x": 1}, "merges": []}})");
    CHECK(input_error([&] { load_vocabulary(dir / "notbl.json"); }).find("byte-to-unicode") != std::string::npos);
    write(dir / "dup.json", R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 0}, "merges": []}})");
    CHECK(input_error([&] { load_vocabulary(dir / "dup.json"); }).find("dup.json") != std::string::npos);
    fs::remove_all(dir);
}
