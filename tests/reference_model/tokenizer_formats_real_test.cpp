// The format readers on the real published tokenizers (identified by sha256): piece counts and
// types of Mistral's SentencePiece models, Llama 3's tiktoken rank file, and the canonical merge
// rebuild that reproduces Llama 3's 280,147 tokenizer.json merges exactly from the rank file.
#include <doctest/doctest.h>

#include "../probes/tokenizer_testdata.h"
#include "reference_model/tokenizer/formats/canonical_merges.h"
#include "reference_model/tokenizer/formats/load_vocabulary.h"
#include "reference_model/tokenizer/formats/sentencepiece_model.h"
#include "reference_model/tokenizer/formats/tiktoken_ranks.h"

using namespace lineage::model;
using namespace lineage::testdata;

TEST_CASE("Mistral SentencePiece models: pieces, byte fallback, control tokens") {
    std::string v1 = real_tokenizer(kMistralV1), v3 = real_tokenizer(kMistralV3);
    if (v1.empty() || v3.empty()) return;
    SentencePieceModel m1 = SentencePieceModel::load(v1);
    CHECK(m1.pieces.size() == 32000);
    CHECK(m1.byte_fallback);
    CHECK(m1.model_type == 2);
    CHECK(m1.pieces[0].type == PieceType::unknown);
    CHECK(m1.pieces[1].piece == "<s>");
    CHECK(m1.pieces[3].type == PieceType::byte);
    CHECK(m1.pieces[3].piece == "<0x00>");
    CHECK(m1.pieces[258].piece == "<0xFF>");
    SentencePieceModel m3 = SentencePieceModel::load(v3);
    CHECK(m3.pieces.size() == 32768);
    Vocabulary voc = load_vocabulary(v3);
    CHECK(voc.format == VocabFormat::sentencepiece);
    CHECK(voc.kind_by_id[3] == TokenKind::control);       // inserted control tokens
    CHECK(voc.kind_by_id[3 + 768] == TokenKind::byte);    // bytes moved up by 768
    CHECK(voc.bytes_by_id[3 + 768] == std::string(1, '\0'));
}

TEST_CASE("Llama 3 tiktoken rank file and its canonical merges") {
    std::string tk = real_tokenizer(kLlama3Tiktoken), tj = real_tokenizer(kLlama3);
    if (tk.empty() || tj.empty()) return;
    TiktokenRanks ranks = TiktokenRanks::load(tk);
    CHECK(ranks.count == 128000);
    Vocabulary a = load_vocabulary(tk);
    CHECK(a.format == VocabFormat::tiktoken);
    CHECK(a.merges_rebuilt);
    CHECK(a.merges.size() == 280147);
    Vocabulary b = load_vocabulary(tj);
    CHECK_FALSE(b.merges_rebuilt);
    CHECK(b.merges.size() == 280147);
    // The file's own merges are exactly the canonical rebuild (same ids, same order).
    CHECK(canonical_merges(b) == b.merges);
    CHECK(a.merges == b.merges);
    CHECK(b.hints.chat_template_family == "llama3");
    CHECK(b.hints.special_tokens.size() == 256);
}

TEST_CASE("natively trained merges are fewer than canonical ones (Qwen3)") {
    std::string q = real_tokenizer(kQwen3);
    if (q.empty()) return;
    Vocabulary v = load_vocabulary(q);
    CHECK(v.merges.size() == 151387);
    CHECK(canonical_merges(v).size() > v.merges.size());
    CHECK(v.hints.chat_template_family == "chatml");
}

TEST_CASE("DeepSeek V3 keeps its special tokens inside the byte-level vocabulary") {
    std::string d = real_tokenizer(kDeepseekV3);
    if (d.empty()) return;
    Vocabulary v = load_vocabulary(d);
    CHECK(v.kind_by_id[0] == TokenKind::control);
    CHECK(v.bytes_by_id[0] == "<\xEF\xBD\x9C" "begin\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>");
    CHECK(v.comparable_count() > 127000);
}
