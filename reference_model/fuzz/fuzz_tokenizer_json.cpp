// libFuzzer entry point for the tokenizer.json reader and the tokenizer built from it: arbitrary
// bytes are parsed as tokenizer.json; a file that loads is built into a Tokenizer, and a tokenizer
// that builds encodes and decodes a short text. lineage::Error is the expected outcome of bad
// input; anything else (a crash, a sanitizer report, InternalError or another exception type)
// is a finding.
// Build: cmake -DLINEAGE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ ...; run: fuzz_fuzz_tokenizer_json corpus/
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "reference_model/tokenizer/tokenizer.h"
#include "reference_model/tokenizer/tokenizer_json.h"
#include "weights/core/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        lineage::model::TokenizerJson json = lineage::model::TokenizerJson::parse(text, "fuzz/tokenizer.json");
        lineage::model::Tokenizer tok(std::move(json));
        for (std::string_view sample : {"Hello wörld 123 <s>\n\t안녕  ", "", "a"}) {
            auto ids = tok.encode(sample, true);
            (void)tok.decode(ids, false);
            (void)tok.decode(ids, true);
        }
    } catch (const lineage::InternalError&) {
        throw;  // a broken invariant is a bug, never the input's fault
    } catch (const lineage::Error&) {
    }
    return 0;
}
