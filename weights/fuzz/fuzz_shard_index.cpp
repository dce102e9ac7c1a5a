// libFuzzer entry: arbitrary bytes as model.safetensors.index.json. Only InputError may escape.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "weights/core/error.h"
#include "weights/formats/shard_index.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        lineage::weights::parse_shard_index(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.json");
    } catch (const lineage::InputError&) {
    }
    return 0;
}
