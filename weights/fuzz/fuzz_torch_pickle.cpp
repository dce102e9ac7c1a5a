// libFuzzer entry: arbitrary bytes as the data.pkl of a torch.save archive. Only InputError and
// UnsupportedError may escape the restricted unpickler; it must never crash, leak or hang.
// 1,000,000 executions clean on 2026-11-23 (bench/RESULTS.md, "Legacy PyTorch reader: fuzzing").
#include <cstddef>
#include <cstdint>
#include <span>

#include "weights/core/error.h"
#include "weights/formats/torch_pickle.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        lineage::weights::parse_torch_pickle(std::as_bytes(std::span(data, size)), "fuzz.pkl");
    } catch (const lineage::InputError&) {
    } catch (const lineage::UnsupportedError&) {
    }
    return 0;
}
