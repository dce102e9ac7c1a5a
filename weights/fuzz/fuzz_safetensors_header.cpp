// libFuzzer entry: arbitrary bytes as a whole safetensors file. Only InputError may escape the parser.
#include <cstddef>
#include <cstdint>
#include <span>

#include "weights/core/error.h"
#include "weights/formats/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        lineage::weights::parse_safetensors(std::as_bytes(std::span(data, size)), "fuzz.safetensors");
    } catch (const lineage::InputError&) {
    }
    return 0;
}
