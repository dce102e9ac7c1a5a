// Conformance of lineage::model::Tokenizer with the reference libraries: for every golden in
// tests/data/tokenizer_goldens (made by tools/fixtures/make_tokenizer_goldens.py) the ids of every
// text (with and without special tokens) and the decodes of those ids and of random id sequences
// must equal the library's exactly — the Hugging Face `tokenizers` library for tokenizer.json
// files, `sentencepiece` for SentencePiece tokenizer.model files, `tiktoken` (with Llama 3's
// pattern and specials) for tiktoken rank files. Every text the library round-trips must
// round-trip through our encode and decode too. Real tokenizers are found in the shared test data by the sha256 of their file; a
// golden whose file is not there (or differs) is skipped.
#include <doctest/doctest.h>
#include <openssl/evp.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "reference_model/tokenizer/tokenizer.h"
#include "weights/core/json_value.h"

namespace fs = std::filesystem;
using lineage::JsonValue;
using lineage::model::Tokenizer;

namespace {

std::string file_sha256(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string bytes = ss.str();
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(bytes.data(), bytes.size(), digest, &len, EVP_sha256(), nullptr);
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < len; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 15];
    }
    return out;
}

// sha256 -> path of every tokenizer.json and tokenizer.model under the shared test data.
std::map<std::string, fs::path> shared_tokenizers_by_hash() {
    std::map<std::string, fs::path> out;
    fs::path root = fs::path(LINEAGE_SHARED_TESTDATA) / "tokenizers";
    std::error_code ec;
    if (!fs::is_directory(root, ec)) return out;
    for (const auto& entry : fs::recursive_directory_iterator(root, ec))
        if (entry.is_regular_file() &&
            (entry.path().filename() == "tokenizer.json" || entry.path().filename() == "tokenizer.model"))
            out[file_sha256(entry.path())] = entry.path();
    return out;
}

std::vector<std::int32_t> ids_of(const JsonValue& array) {
    std::vector<std::int32_t> out;
    for (const JsonValue& v : array.as_array()) out.push_back(static_cast<std::int32_t>(v.as_int()));
    return out;
}

std::string show(const std::vector<std::int32_t>& ids) {
    std::string s = "[";
    for (std::size_t i = 0; i < ids.size(); ++i) s += (i ? "," : "") + std::to_string(ids[i]);
    return s + "]";
}

void check_golden(const Tokenizer& tok, const JsonValue& golden, std::vector<std::string> texts) {
    std::string name = golden.find("name")->as_string();
    if (const JsonValue* extra = golden.find("extra_texts"))  // texts kept in the golden itself
        for (const JsonValue& t : extra->as_array()) texts.push_back(t.as_string());
    int failures = 0;
    for (const JsonValue& c : golden.find("cases")->as_array()) {
        auto index = static_cast<std::size_t>(c.find("text")->as_int());
        const std::string& text = texts.at(index);
        auto expected = ids_of(*c.find("ids"));
        const JsonValue* plain_json = c.find("ids_no_special");
        auto expected_plain = plain_json && !plain_json->is_null() ? ids_of(*plain_json) : expected;
        auto got = tok.encode(text, true);
        auto got_plain = tok.encode(text, false);
        if (got != expected || got_plain != expected_plain) {
            ++failures;
            INFO(name << " text " << index << ": " << text);
            CHECK(show(got) == show(expected));
            CHECK(show(got_plain) == show(expected_plain));
        }
        std::string decoded = tok.decode(expected, false);
        std::string decoded_skip = tok.decode(expected, true);
        if (decoded != c.find("decoded")->as_string() || decoded_skip != c.find("decoded_skip_special")->as_string()) {
            ++failures;
            INFO(name << " decode of text " << index);
            CHECK(decoded == c.find("decoded")->as_string());
            CHECK(decoded_skip == c.find("decoded_skip_special")->as_string());
        }
    }
    for (const JsonValue& r : golden.find("random_decodes")->as_array()) {
        auto ids = ids_of(*r.find("ids"));
        INFO(name << " random decode of " << show(ids));
        CHECK(tok.decode(ids, false) == r.find("decoded")->as_string());
        CHECK(tok.decode(ids, true) == r.find("decoded_skip_special")->as_string());
    }
    CHECK_MESSAGE(failures == 0, name << ": " << failures << " mismatching cases");
}

// Encoding then decoding gives the text back wherever the reference library does too (its own
// decode of its ids, recorded in the golden, equals the text; normalizers such as NFC change some).
void check_round_trip(const Tokenizer& tok, const JsonValue& golden, std::vector<std::string> texts) {
    if (const JsonValue* extra = golden.find("extra_texts"))
        for (const JsonValue& t : extra->as_array()) texts.push_back(t.as_string());
    int round_trips = 0;
    for (const JsonValue& c : golden.find("cases")->as_array()) {
        const std::string& text = texts.at(static_cast<std::size_t>(c.find("text")->as_int()));
        if (c.find("decoded_skip_special")->as_string() != text) continue;
        INFO(golden.find("name")->as_string() << " round trip of: " << text);
        CHECK(tok.decode(tok.encode(text, false), true) == text);
        ++round_trips;
    }
    CHECK(round_trips > 30);
}

}  // namespace

TEST_CASE("tokenizer: ids and decodes equal the tokenizers library's on every golden") {
    fs::path golden_dir = fs::path(LINEAGE_SOURCE_DIR) / "tests/data/tokenizer_goldens";
    JsonValue texts_json = JsonValue::parse_file((golden_dir / "texts.json").string());
    std::vector<std::string> texts;
    for (const JsonValue& t : texts_json.find("texts")->as_array()) texts.push_back(t.as_string());
    JsonValue manifest = JsonValue::parse_file((golden_dir / "manifest.json").string());
    auto shared = shared_tokenizers_by_hash();
    int checked = 0;
    for (const JsonValue& entry : manifest.find("goldens")->as_array()) {
        std::string golden_file = entry.find("golden")->as_string();
        std::string sha = entry.find("sha256")->as_string();
        std::string seen_at = entry.find("seen_at")->as_string();
        fs::path path;
        if (seen_at.rfind("tests/data/", 0) == 0) {
            path = fs::path(LINEAGE_SOURCE_DIR) / seen_at;
            REQUIRE_MESSAGE(file_sha256(path) == sha, seen_at << " changed since its golden was made");
        } else {
            auto it = shared.find(sha);
            if (it == shared.end()) {
                MESSAGE("skipped " << golden_file << ": no tokenizer file with sha256 " << sha.substr(0, 16)
                                   << " in the shared test data");
                continue;
            }
            path = it->second;
        }
        INFO("golden " << golden_file << " for " << path.string());
        JsonValue golden = JsonValue::parse_file((golden_dir / golden_file).string());
        Tokenizer tok = Tokenizer::load(path);
        check_golden(tok, golden, texts);
        check_round_trip(tok, golden, texts);
        CHECK(tok.vocab_size() >= static_cast<std::size_t>(golden.find("vocab_size_with_added")->as_int()));
        ++checked;
    }
    CHECK(checked >= 3);
}

// Llama 3 ships the same tokenizer as a tiktoken rank file and as tokenizer.json: both encoders
// must give the same ids (without special tokens: the tokenizer.json at hand has no BOS template)
// and the same decodes on every text.
TEST_CASE("tokenizer: Llama 3's rank file and its tokenizer.json encode identically") {
    fs::path root = fs::path(LINEAGE_SHARED_TESTDATA) / "tokenizers";
    fs::path rank_file = root / "llama3_tiktoken/tokenizer.model", json_file = root / "llama3/tokenizer.json";
    std::error_code ec;
    if (!fs::exists(rank_file, ec) || !fs::exists(json_file, ec)) {
        MESSAGE("skipped: Llama 3 tokenizers not in the shared test data");
        return;
    }
    Tokenizer from_ranks = Tokenizer::load(rank_file), from_json = Tokenizer::load(json_file);
    fs::path golden_dir = fs::path(LINEAGE_SOURCE_DIR) / "tests/data/tokenizer_goldens";
    JsonValue texts_json = JsonValue::parse_file((golden_dir / "texts.json").string());
    for (const JsonValue& t : texts_json.find("texts")->as_array()) {
        const std::string& text = t.as_string();
        INFO("text: " << text);
        auto ids = from_ranks.encode(text, false);
        CHECK(show(ids) == show(from_json.encode(text, false)));
        CHECK(from_ranks.decode(ids, false) == from_json.decode(ids, false));
    }
    CHECK(from_ranks.encode("x", true).front() == from_ranks.token_to_id("<|begin_of_text|>"));
}
