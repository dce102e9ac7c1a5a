// bitsandbytes 4-bit unpacking (layout in bnb4.h); sizes are checked before any index is formed.
#include "weights/quantization/bnb4.h"

#include "weights/core/error.h"

namespace lineage::weights {

std::vector<float> decode_nested_absmax(std::span<const std::uint8_t> codes,
                                        std::span<const float> code_book,
                                        std::span<const float> nested_absmax,
                                        std::int64_t nested_blocksize, float offset,
                                        const std::string& where) {
    if (code_book.size() != 256)
        throw InputError(where, "nested_quant_map does not hold 256 values");
    if (nested_blocksize <= 0) throw InputError(where, "nested_blocksize is not positive");
    const auto bs = static_cast<std::uint64_t>(nested_blocksize);
    if (nested_absmax.size() != (codes.size() + bs - 1) / bs)
        throw InputError(where, "nested_absmax holds " + std::to_string(nested_absmax.size()) +
                                    " values for " + std::to_string(codes.size()) +
                                    " codes in blocks of " + std::to_string(bs));
    std::vector<float> out(codes.size());
    for (std::size_t i = 0; i < codes.size(); ++i) {
        const float scaled = code_book[codes[i]] * nested_absmax[i / bs];
        out[i] = scaled + offset;
    }
    return out;
}

std::vector<float> dequantize_bnb4(std::span<const std::uint8_t> packed,
                                   std::span<const float> absmax, std::span<const float> quant_map,
                                   std::uint64_t count, std::int64_t blocksize,
                                   const std::string& where) {
    if (quant_map.size() != 16) throw InputError(where, "quant_map does not hold 16 values");
    if (blocksize <= 0) throw InputError(where, "blocksize is not positive");
    const auto bs = static_cast<std::uint64_t>(blocksize);
    if (packed.size() != (count + 1) / 2)
        throw InputError(where, "packed weight holds " + std::to_string(packed.size()) +
                                    " bytes for " + std::to_string(count) + " 4-bit values");
    if (absmax.size() != (count + bs - 1) / bs)
        throw InputError(where, "absmax holds " + std::to_string(absmax.size()) + " values for " +
                                    std::to_string(count) + " values in blocks of " +
                                    std::to_string(bs));
    std::vector<float> out(count);
    for (std::uint64_t k = 0; k < count; ++k) {
        const std::uint8_t byte = packed[k / 2];
        const unsigned nibble = k % 2 ? byte & 0xF : byte >> 4;
        out[k] = quant_map[nibble] * absmax[k / bs];
    }
    return out;
}

}  // namespace lineage::weights
