// The ggml tensor types a GGUF file may declare: id, name, block geometry (elements per block,
// bytes per block, as in ggml's type traits) and the Lineage DType it is read as. Types whose
// geometry is known but which have no decoder here (IQ*, TQ*, Q8_1, Q8_K, MXFP4) still let a file
// be validated; reading their values is refused (UnsupportedError).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "weights/core/dtype.h"

namespace lineage::weights {

struct GgmlType {
    std::uint32_t id;
    std::string_view name;
    std::uint32_t block_elements;
    std::uint32_t block_bytes;
    std::optional<DType> dtype;  // nullopt: no decoder in this version
};

// nullptr for an id no ggml version defines.
const GgmlType* ggml_type(std::uint32_t id);
// The ggml type a DType is stored as in GGUF (for writers and tests); nullptr when none.
const GgmlType* ggml_type_of(DType t);

}  // namespace lineage::weights
