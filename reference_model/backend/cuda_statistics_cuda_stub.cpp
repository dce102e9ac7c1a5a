// Stand-in for the GPU statistics (cuda_statistics.h) when Lineage is built without CUDA: the same
// entry points, throwing DeviceError, so probes need no build flags.
#include "reference_model/backend/cuda_statistics.h"
#include "weights/core/error.h"

namespace lineage::model {

std::vector<double> cuda_gram_matrix(const float*, std::int64_t, std::int64_t, int) {
    throw DeviceError("cuda_gram_matrix: CUDA backend not built (this lineage was compiled without nvcc)");
}

GpuAssignment cuda_solve_assignment(const float*, std::int64_t, bool, int) {
    throw DeviceError("cuda_solve_assignment: CUDA backend not built (this lineage was compiled without nvcc)");
}

}  // namespace lineage::model
