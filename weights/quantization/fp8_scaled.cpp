// FP8 weight x scale (layouts in fp8_scaled.h). Every layout is reduced to one: a grid of
// (br x bc) blocks per matrix, each with one scale; per-tensor is a single block, per-channel
// blocks of one row.
#include "weights/quantization/fp8_scaled.h"

#include "weights/core/convert.h"
#include "weights/core/error.h"

namespace lineage::weights {

std::optional<std::vector<float>> dequantize_fp8(
    const TensorInfo& weight, const TensorInfo& scale,
    std::optional<std::pair<std::int64_t, std::int64_t>> block, std::string& why) {
    if (weight.dtype != DType::F8_E4M3 && weight.dtype != DType::F8_E5M2 &&
        weight.dtype != DType::F8_E4M3FNUZ && weight.dtype != DType::F8_E5M2FNUZ)
        throw UnsupportedError(weight.file, "tensor '" + weight.name +
                                                "': FP8 dequantisation of a " +
                                                std::string(dtype_name(weight.dtype)) + " tensor");
    if (weight.shape.size() < 2) {
        why = "weight is not a matrix";
        return std::nullopt;
    }
    const std::int64_t rows = weight.shape[weight.shape.size() - 2];
    const std::int64_t cols = weight.shape.back();
    const std::uint64_t batches =
        rows && cols ? weight.num_elements / static_cast<std::uint64_t>(rows * cols) : 0;
    const std::uint64_t n = scale.num_elements;

    // The grid: (s0 x s1) scales per matrix, `shared` when one set serves every matrix.
    std::int64_t s0 = 0, s1 = 0, br = 0, bc = 0;
    bool shared = false;
    if (n == 1) {
        s0 = s1 = 1, br = rows, bc = cols, shared = true;
    } else if (batches > 1 && n == batches) {
        s0 = s1 = 1, br = rows, bc = cols;
    } else if (scale.shape.size() + 1 == weight.shape.size() && scale.shape.back() == rows &&
               n == batches * static_cast<std::uint64_t>(rows)) {  // (..., rows): one per row
        s0 = rows, s1 = 1, br = 1, bc = cols;
    } else if (scale.shape.size() >= 2) {
        s0 = scale.shape[scale.shape.size() - 2];
        s1 = scale.shape.back();
        if (s0 <= 0 || s1 <= 0 || n != batches * static_cast<std::uint64_t>(s0 * s1)) {
            why = "scale shape does not match the weight's leading dimensions";
            return std::nullopt;
        }
        if (block) {
            br = block->first, bc = block->second;
        } else {
            br = s0 == rows ? 1 : 128;
            bc = s1 == 1 ? cols : (s0 == rows && cols % s1 == 0 ? cols / s1 : 128);
        }
    } else {
        why = "scale with " + std::to_string(n) +
              " values fits no per-tensor, per-channel or block layout";
        return std::nullopt;
    }
    if (br <= 0 || bc <= 0 || (rows + br - 1) / br != s0 || (cols + bc - 1) / bc != s1) {
        why = "scale grid " + std::to_string(s0) + "x" + std::to_string(s1) + " does not tile a " +
              std::to_string(rows) + "x" + std::to_string(cols) + " weight in " +
              std::to_string(br) + "x" + std::to_string(bc) + " blocks";
        return std::nullopt;
    }

    const std::vector<float> s = read_f32(scale);
    std::vector<float> w = read_f32(weight);
    const std::size_t per_matrix = static_cast<std::size_t>(rows * cols);
    const std::size_t scales_per_matrix = static_cast<std::size_t>(s0 * s1);
    for (std::uint64_t b = 0; b < batches; ++b) {
        float* m = w.data() + b * per_matrix;
        const float* sm = s.data() + (shared ? 0 : b * scales_per_matrix);
        for (std::int64_t r = 0; r < rows; ++r) {
            const float* srow = sm + (r / br) * s1;
            for (std::int64_t c = 0; c < cols; ++c) m[r * cols + c] *= srow[c / bc];
        }
    }
    return w;
}

}  // namespace lineage::weights
