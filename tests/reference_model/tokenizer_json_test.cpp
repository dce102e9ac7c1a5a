// tokenizer.json / tokenizer_config.json parsing: the fields we read, both merge forms, and every
// kind of malformed file rejected with an InputError that names the file.
#include <doctest/doctest.h>

#include <array>

#include <filesystem>
#include <fstream>
#include <string>

#include "reference_model/tokenizer/tokenizer.h"
#include "reference_model/tokenizer/tokenizer_config.h"
#include "reference_model/tokenizer/tokenizer_json.h"
#include "weights/core/error.h"

namespace fs = std::filesystem;
using lineage::InputError;
using lineage::UnsupportedError;
using lineage::model::ModelKind;
using lineage::model::Tokenizer;
using lineage::model::TokenizerConfig;
using lineage::model::TokenizerJson;

namespace {

// A BPE file over the vocabulary {a:0, b:1, ab:2, c:3} with `merges` spliced in.
std::string bpe_json(const std::string& vocab, const std::string& merges, const std::string& extra = "") {
    return R"({"version":"1.0","added_tokens":[{"id":4,"content":"<s>","special":true,"normalized":false,)"
           R"("lstrip":false,"rstrip":false,"single_word":false}],"normalizer":null,"pre_tokenizer":null,)"
           R"("post_processor":null,"decoder":null,"model":{"type":"BPE","unk_token":null,)" +
           extra + R"("vocab":)" + vocab + R"(,"merges":)" + merges + "}}";
}
const std::string kVocab = R"({"a":0,"b":1,"ab":2,"c":3})";

// Writes `text` to a temporary file and returns its path.
fs::path write_temp(const std::string& name, const std::string& text) {
    fs::path dir = fs::temp_directory_path() / "lineage_tokenizer_json_test";
    fs::create_directories(dir);
    fs::path p = dir / name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
}

// Loading `text` from a file must throw InputError naming the file and containing `needle`.
void expect_rejected(const std::string& name, const std::string& text, const std::string& needle) {
    fs::path p = write_temp(name, text);
    std::string message;
    try {
        TokenizerJson::load(p);
    } catch (const InputError& e) {
        message = e.what();
    }
    INFO("file " << name << ": message '" << message << "'");
    CHECK(message.find(p.string()) == 0);
    CHECK(message.find(needle) != std::string::npos);
}

}  // namespace

TEST_CASE("tokenizer.json: both merge forms and the fields of the model are read") {
    TokenizerJson legacy = TokenizerJson::parse(bpe_json(kVocab, R"(["a b"])"), "legacy.json");
    TokenizerJson pairs = TokenizerJson::parse(bpe_json(kVocab, R"([["a","b"]])", R"("ignore_merges":true,)"), "pairs.json");
    CHECK(legacy.model_type == ModelKind::bpe);
    REQUIRE(legacy.merge_ids.size() == 1);
    CHECK(legacy.merge_ids == pairs.merge_ids);
    CHECK(legacy.merge_ids[0] == std::array<std::int32_t, 3>{0, 1, 2});
    CHECK(legacy.merge_tokens(0).first == "a");
    CHECK(legacy.merge_tokens(0).second == "b");
    CHECK(pairs.ignore_merges);
    CHECK_FALSE(legacy.ignore_merges);
    CHECK(legacy.vocab_by_id.size() == 4);
    CHECK(legacy.vocab_by_id[2] == "ab");
    REQUIRE(legacy.added_tokens.size() == 1);
    CHECK(legacy.added_tokens[0].special);
    CHECK(legacy.full_vocab_by_id().size() == 5);

    Tokenizer tok(std::move(legacy));
    CHECK(tok.encode("abc") == std::vector<std::int32_t>{2, 3});
    CHECK(tok.encode("ab<s>c") == std::vector<std::int32_t>{2, 4, 3});
    CHECK(tok.token_to_id("<s>") == 4);
    CHECK(tok.vocab_size() == 5);
}

TEST_CASE("tokenizer.json: vocabularies with gaps, Unigram and WordPiece files load") {
    TokenizerJson gaps = TokenizerJson::parse(bpe_json(R"({"a":0,"b":5})", "[]"), "gaps.json");
    CHECK(gaps.vocab_by_id.size() == 6);
    CHECK(gaps.vocab_count == 2);
    CHECK(gaps.vocab_by_id[3].empty());
    CHECK_FALSE(gaps.has_id[3]);

    TokenizerJson uni = TokenizerJson::parse(
        R"({"model":{"type":"Unigram","unk_id":0,"vocab":[["<unk>",0.0],["▁a",-1.5],["b",-2]]}})", "uni.json");
    CHECK(uni.model_type == ModelKind::unigram);
    CHECK(uni.unigram_pieces.size() == 3);
    CHECK(uni.unigram_pieces[1].second == doctest::Approx(-1.5));
    CHECK(uni.unk_token == "<unk>");
    CHECK_THROWS_AS(Tokenizer(std::move(uni)), UnsupportedError);

    TokenizerJson wp = TokenizerJson::parse(
        R"({"model":{"type":"WordPiece","unk_token":"[UNK]","vocab":{"[UNK]":0,"x":1,"##y":2}}})", "wp.json");
    CHECK(wp.model_type == ModelKind::wordpiece);
    CHECK(wp.continuing_subword_prefix == "##");
}

TEST_CASE("tokenizer.json: malformed files are rejected with the file named") {
    expect_rejected("truncated.json", bpe_json(kVocab, R"(["a b"])").substr(0, 60), "invalid JSON");
    expect_rejected("not_json.json", "this is not json", "invalid JSON");
    expect_rejected("empty_file.json", "", "invalid JSON");
    expect_rejected("no_model.json", R"({"version":"1.0"})", "model");
    expect_rejected("unknown_merge.json", bpe_json(kVocab, R"(["a zz"])"), "'zz' that is not in the vocabulary");
    expect_rejected("unknown_merged.json", bpe_json(kVocab, R"(["b a"])"), "produces token 'ba'");
    expect_rejected("bad_merge.json", bpe_json(kVocab, R"(["abc"])"), "merge 0");
    expect_rejected("bad_merge_pair.json", bpe_json(kVocab, R"([["a"]])"), "merge 0");
    expect_rejected("duplicate_token.json", bpe_json(R"({"a":0,"b":1,"a":2})", "[]"), "duplicate token 'a'");
    expect_rejected("duplicate_id.json", bpe_json(R"({"a":0,"b":0})", "[]"), "duplicate id 0");
    expect_rejected("empty_vocab.json", bpe_json("{}", "[]"), "empty vocabulary");
    expect_rejected("empty_unigram.json", R"({"model":{"type":"Unigram","vocab":[]}})", "empty vocabulary");
    expect_rejected("negative_id.json", bpe_json(R"({"a":-1})", "[]"), "invalid id");
    expect_rejected("huge_id.json", bpe_json(R"({"a":4000000000})", "[]"), "invalid id");
    expect_rejected("string_id.json", bpe_json(R"({"a":"0"})", "[]"), "invalid id");
    expect_rejected("unknown_type.json", R"({"model":{"type":"Magic","vocab":{"a":0}}})", "unknown model type");
    expect_rejected("vocab_array.json", R"({"model":{"type":"BPE","vocab":[1,2]}})", "expected an object");
    expect_rejected("added_no_id.json",
                    R"({"added_tokens":[{"content":"x"}],"model":{"type":"BPE","vocab":{"a":0},"merges":[]}})",
                    "added_tokens");
}

TEST_CASE("tokenizer.json: missing files and unsupported components") {
    std::string message;
    try {
        Tokenizer::load("/nonexistent/lineage/tokenizer.json");
    } catch (const InputError& e) {
        message = e.what();
    }
    CHECK(message.find("/nonexistent/lineage/tokenizer.json") == 0);

    std::string with_lowercase = bpe_json(kVocab, "[]");
    with_lowercase.replace(with_lowercase.find(R"("normalizer":null)"), 17, R"("normalizer":{"type":"Lowercase"})");
    fs::path p = write_temp("lowercase.json", with_lowercase);
    CHECK_THROWS_AS(Tokenizer::load(p), UnsupportedError);

    std::string bad_regex = bpe_json(kVocab, "[]");
    bad_regex.replace(bad_regex.find(R"("pre_tokenizer":null)"), 20,
                      R"("pre_tokenizer":{"type":"Split","pattern":{"Regex":"(unclosed"},"behavior":"Isolated","invert":false})");
    p = write_temp("bad_regex.json", bad_regex);
    message.clear();
    try {
        Tokenizer::load(p);
    } catch (const InputError& e) {
        message = e.what();
    }
    CHECK(message.find(p.string()) == 0);
    CHECK(message.find("invalid regex") != std::string::npos);
}

TEST_CASE("tokenizer_config.json: special tokens, chat template, big integers") {
    TokenizerConfig c = TokenizerConfig::parse(
        R"({"bos_token":"<s>","eos_token":{"content":"</s>","__type":"AddedToken"},"tokenizer_class":"LlamaTokenizer",)"
        R"("model_max_length":1000000000000000019884624838656,"add_bos_token":true,)"
        R"("chat_template":[{"name":"tool_use","template":"T"},{"name":"default","template":"D"}],)"
        R"("added_tokens_decoder":{"2":{"content":"</s>","special":true},"0":{"content":"<unk>","special":true}}})",
        "tokenizer_config.json");
    CHECK(c.bos_token == "<s>");
    CHECK(c.eos_token == "</s>");
    CHECK(c.tokenizer_class == "LlamaTokenizer");
    CHECK(c.chat_template == "D");
    CHECK(c.add_bos_token == true);
    REQUIRE(c.model_max_length.has_value());
    CHECK(*c.model_max_length > 1e29);
    REQUIRE(c.added_tokens_decoder.size() == 2);
    CHECK(c.added_tokens_decoder[0].id == 0);
    CHECK_THROWS_AS(TokenizerConfig::parse(R"({"added_tokens_decoder":{"x":{"content":"a"}}})", "cfg.json"), InputError);
    CHECK_THROWS_AS(TokenizerConfig::parse("[1,2", "cfg.json"), InputError);
}
