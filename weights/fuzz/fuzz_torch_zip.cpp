// libFuzzer entry: arbitrary bytes as a whole torch.save file, read the way pytorch_checkpoint.cpp
// reads it: the ZIP central directory, every entry's data, then the data.pkl through the restricted
// unpickler. Only InputError and UnsupportedError may escape.
// 1,000,000 executions clean on 2026-11-23 (bench/RESULTS.md, "Legacy PyTorch reader: fuzzing").
#include <cstddef>
#include <cstdint>
#include <span>

#include "weights/core/error.h"
#include "weights/formats/torch_pickle.h"
#include "weights/formats/zip_archive.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace lineage::weights;
    try {
        const auto zip = ZipArchive::parse(std::as_bytes(std::span(data, size)), "fuzz.pt");
        volatile std::size_t sum = 0;
        for (const auto& e : zip.entries()) {
            const auto bytes = zip.data(e);
            if (!bytes.empty())
                sum = sum + static_cast<std::size_t>(bytes.front()) +
                      static_cast<std::size_t>(bytes.back());
            if (e.name.ends_with("data.pkl")) parse_torch_pickle(bytes, "fuzz.pt:data.pkl");
        }
    } catch (const lineage::InputError&) {
    } catch (const lineage::UnsupportedError&) {
    }
    return 0;
}
