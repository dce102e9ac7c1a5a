// libFuzzer entry: arbitrary bytes as a whole GGUF file. The parser may only throw InputError (or
// UnsupportedError for version 1); every tensor it accepts must then dequantise (its first and last
// 4096 elements) without reading out of bounds, and every name must map without fault.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "weights/core/convert.h"
#include "weights/core/error.h"
#include "weights/formats/gguf.h"
#include "weights/formats/gguf_names.h"
#include "weights/formats/gguf_types.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace lineage::weights;
    const auto bytes = std::as_bytes(std::span(data, size));
    GgufFile g;
    try {
        g = parse_gguf(bytes, "fuzz.gguf");
    } catch (const lineage::InputError&) {
        return 0;
    } catch (const lineage::UnsupportedError&) {
        return 0;
    }
    std::vector<float> out(4096);
    for (const auto& t : g.tensors) {
        (void)hf_tensor_name(t.name, ExpertNaming::mixtral);
        (void)gguf_qk_role(t.name);
        const GgmlType* type = ggml_type(t.ggml_type);
        if (!type || !type->dtype) continue;
        const auto view = bytes.subspan(g.data_offset + t.offset, t.byte_size);
        const std::uint64_t n = std::min<std::uint64_t>(t.num_elements, out.size());
        convert_to_f32(*type->dtype, view, 0, std::span(out.data(), n));
        convert_to_f32(*type->dtype, view, t.num_elements - n, std::span(out.data(), n));
    }
    for (const auto& [k, v] : g.metadata) (void)v.to_text();
    return 0;
}
