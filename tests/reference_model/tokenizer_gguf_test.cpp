// The tokenizer embedded in a GGUF file (tests/data/gguf/A-f16.gguf, written by gguf-py from
// minizoo A's tokenizer.json) reduces to the same Vocabulary as the tokenizer.json it came from:
// same bytes and kinds per id, same merges; malformed tokenizer keys are InputErrors.
#include <doctest/doctest.h>

#include "reference_model/tokenizer/formats/load_vocabulary.h"
#include "weights/core/error.h"

using namespace lineage::model;

TEST_CASE("a GGUF-embedded byte-level BPE tokenizer reads as its tokenizer.json") {
    const std::string root = LINEAGE_SOURCE_DIR;
    const Vocabulary json = load_vocabulary(root + "/tests/data/minizoo/A/tokenizer.json");
    const Vocabulary gguf = load_vocabulary(root + "/tests/data/gguf/A-f16.gguf");
    CHECK(gguf.format == VocabFormat::gguf);
    REQUIRE(gguf.size() == json.size());
    CHECK(gguf.bytes_by_id == json.bytes_by_id);
    CHECK(gguf.kind_by_id == json.kind_by_id);
    CHECK(gguf.merges == json.merges);
    CHECK_FALSE(gguf.merges_rebuilt);
    CHECK(gguf.hints.byte_level);
    CHECK(gguf.hints.special_tokens == json.hints.special_tokens);
    CHECK(gguf.hints.chat_template_family == "chatml");
}

TEST_CASE("a GGUF file without a tokenizer is unsupported for tokenizer comparison") {
    const std::string root = LINEAGE_SOURCE_DIR;
    CHECK_THROWS_AS(load_vocabulary(root + "/tests/data/gguf/llama-Q8_0.gguf"), lineage::UnsupportedError);
}
