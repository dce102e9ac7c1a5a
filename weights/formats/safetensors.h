// The safetensors file format (https://github.com/huggingface/safetensors), parsed and validated as
// strictly as the reference implementation:
//
//   bytes [0, 8)        N, the header length, unsigned 64-bit little-endian (capped at 100 MB
//                       before anything is allocated)
//   bytes [8, 8+N)      the header: a UTF-8 JSON object starting with '{' (trailing spaces allowed)
//                         { "__metadata__": {"key": "string", ...},            (optional)
//                           "tensor name": {"dtype": "BF16", "shape": [d0, d1, ...],
//                                           "data_offsets": [begin, end]}, ... }
//   bytes [8+N, size)   the data region; offsets are relative to its start.
//
// Rules enforced: known dtype; non-negative integer dims whose product (and its size in bits) does
// not overflow; sub-byte dtypes end on a byte boundary; end - begin == the tensor's byte size;
// the byte ranges, sorted, tile the data region exactly (first begins at 0, no gap, no overlap,
// none past the end, no trailing bytes); no duplicate tensor names; metadata values are strings.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "weights/core/dtype.h"

namespace lineage::weights {

inline constexpr std::uint64_t kSafetensorsMaxHeader = 100'000'000;

struct SafetensorsEntry {
    std::string name;
    DType dtype = DType::F32;
    std::vector<std::int64_t> shape;
    std::uint64_t num_elements = 1;
    std::uint64_t begin = 0, end = 0;  // relative to the data region
};

struct SafetensorsHeader {
    std::vector<SafetensorsEntry> tensors;  // in header order
    std::vector<std::pair<std::string, std::string>> metadata;  // __metadata__, in header order
    std::uint64_t data_offset = 0;  // 8 + N: where the data region starts in the file
};

// Parses and validates a whole safetensors file held in memory (normally a memory map). `where`
// names the file in error messages. Throws InputError "<where>: <problem>" on any violation.
SafetensorsHeader parse_safetensors(std::span<const std::byte> file, const std::string& where);

}  // namespace lineage::weights
