// libFuzzer entry point for the tiktoken rank-file reader: arbitrary bytes are parsed as a rank
// file; one that parses is reduced to a Vocabulary (canonical merges rebuilt). The same bytes are
// also tried as a tekken.json. InputError is the expected outcome of bad input; anything else is
// a finding.
// Build: cmake -DLINEAGE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ ...; run: fuzz_fuzz_tiktoken corpus/
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "reference_model/tokenizer/formats/tekken.h"
#include "reference_model/tokenizer/formats/tiktoken_ranks.h"
#include "reference_model/tokenizer/formats/vocabulary_readers.h"
#include "weights/core/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        auto ranks = lineage::model::TiktokenRanks::parse(text, "fuzz/ranks.tiktoken");
        auto vocab = lineage::model::vocabulary_from_tiktoken(ranks);
        (void)vocab.merges.size();
    } catch (const lineage::InternalError&) {
        throw;
    } catch (const lineage::Error&) {
    }
    try {
        auto tekken = lineage::model::TekkenModel::parse(text, "fuzz/tekken.json");
        (void)lineage::model::vocabulary_from_tekken(tekken);
    } catch (const lineage::InternalError&) {
        throw;
    } catch (const lineage::Error&) {
    }
    return 0;
}
