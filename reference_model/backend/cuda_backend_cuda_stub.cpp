// Stand-in for the CUDA backend when Lineage is built without CUDA (no nvcc): the same entry
// points, reporting no device, so callers need no build flags.
#include "reference_model/backend/backend.h"
#include "weights/core/error.h"

namespace lineage::model {

std::unique_ptr<Backend> make_cuda_backend(int device) {
    throw DeviceError("CUDA backend not built: this lineage was compiled without nvcc "
                      "(rebuild with -DLINEAGE_CUDA=ON on a machine with the CUDA Toolkit), device " +
                      std::to_string(device) + " unavailable");
}

int cuda_device_count() { return 0; }

}  // namespace lineage::model
