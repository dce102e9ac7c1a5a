// libFuzzer entry point for the SentencePiece ModelProto reader: arbitrary bytes are parsed as a
// tokenizer.model; a model that parses is reduced to a Vocabulary (bytes, kinds, canonical
// merges). InputError is the expected outcome of bad input; anything else (a crash, a sanitizer
// report, InternalError or another exception type) is a finding.
// Build: cmake -DLINEAGE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ ...; run: fuzz_fuzz_sentencepiece_model corpus/
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "reference_model/tokenizer/formats/sentencepiece_model.h"
#include "reference_model/tokenizer/formats/vocabulary_readers.h"
#include "weights/core/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    try {
        auto model = lineage::model::SentencePieceModel::parse(bytes, "fuzz/tokenizer.model");
        auto vocab = lineage::model::vocabulary_from_sentencepiece(model);
        (void)vocab.comparable_count();
    } catch (const lineage::InternalError&) {
        throw;
    } catch (const lineage::Error&) {
    }
    return 0;
}
