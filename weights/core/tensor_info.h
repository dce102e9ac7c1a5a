// One stored tensor as found in a checkpoint: name, dtype, shape, and a zero-copy view of its bytes
// inside a memory-mapped file (which the owning Checkpoint keeps alive).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "weights/core/dtype.h"

namespace lineage::weights {

struct TensorInfo {
    std::string name;
    DType dtype = DType::F32;
    std::vector<std::int64_t> shape;   // row-major, outermost first (as stored)
    std::uint64_t num_elements = 0;    // product of shape (1 for a scalar)
    std::span<const std::byte> bytes;  // view into the mapped file
    std::string file;                  // path of the file that holds it (for error messages)
    std::uint64_t file_offset = 0;     // absolute byte offset of `bytes` inside `file`

    std::int64_t rows() const { return shape.empty() ? 1 : shape[0]; }
    // Elements per row: product of all dimensions but the first (1 for a vector).
    std::int64_t cols() const {
        std::int64_t c = 1;
        for (std::size_t i = 1; i < shape.size(); ++i) c *= shape[i];
        return c;
    }
};

}  // namespace lineage::weights
