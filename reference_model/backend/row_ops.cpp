// Default row gather / scatter of the Backend interface (backend.h), used by the MoE block to run
// each expert over the tokens routed to it. Written once for every backend through copy_rows and
// host copies; on the CPU backend to_host returns the same memory, so the scatter is in place.
#include <algorithm>

#include "reference_model/backend/backend.h"
#include "weights/core/error.h"

namespace lineage::model {

void Backend::gather_rows(const Tensor& src, std::span<const std::int64_t> rows, Tensor& dst) {
    if (dst.rows() != static_cast<std::int64_t>(rows.size()) || dst.cols() != src.cols())
        throw InternalError("gather_rows: dst " + dst.shape_string() + " does not fit " +
                            std::to_string(rows.size()) + " rows of " + src.shape_string());
    for (std::size_t i = 0; i < rows.size(); ++i)
        copy_rows(src, rows[i], dst, static_cast<std::int64_t>(i), 1);
}

void Backend::add_scaled_rows(const Tensor& src, std::span<const std::int64_t> rows,
                              std::span<const float> scale, Tensor& dst) {
    if (src.rows() != static_cast<std::int64_t>(rows.size()) || scale.size() != rows.size() ||
        dst.cols() != src.cols())
        throw InternalError("add_scaled_rows: src " + src.shape_string() + ", " +
                            std::to_string(rows.size()) + " rows, dst " + dst.shape_string());
    const Tensor s = to_host(src);
    Tensor d = to_host(dst);
    const std::int64_t cols = dst.cols();
    for (std::size_t i = 0; i < rows.size(); ++i) {
        if (rows[i] < 0 || rows[i] >= dst.rows())
            throw InternalError("add_scaled_rows: row out of range");
        const float* a = s.f32() + static_cast<std::int64_t>(i) * cols;
        float* b = d.f32() + rows[i] * cols;
        for (std::int64_t c = 0; c < cols; ++c) b[c] += scale[i] * a[c];
    }
    if (d.bytes() != dst.bytes()) {  // a device backend: copy the host result back
        Tensor back = to_device(d, true);
        copy_rows(back, 0, dst, 0, dst.rows());
    }
}

}  // namespace lineage::model
