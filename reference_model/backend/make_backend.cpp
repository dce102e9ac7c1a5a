// Chooses the backend for a --device value: "cpu", "cuda" or "auto".
#include <cstdio>

#include "reference_model/backend/backend.h"
#include "weights/core/error.h"

namespace lineage::model {

std::unique_ptr<Backend> make_backend(const std::string& device) {
    if (device == "cpu") return make_cpu_backend();
    if (device == "cuda") {
        if (cuda_device_count() <= 0)
            throw DeviceError("--device cuda: no CUDA device available (no GPU, no driver, or a build "
                              "without CUDA); use --device cpu or auto");
        return make_cuda_backend(0);
    }
    if (device == "auto") {
        if (cuda_device_count() > 0) {
            // A device that is present but unusable (out of memory, in exclusive use, a driver
            // fault) makes auto fall back too; --device cuda reports it instead (exit 5).
            try {
                return make_cuda_backend(0);
            } catch (const DeviceError& e) {
                std::fprintf(stderr, "lineage: CUDA device unusable (%s), running on the CPU\n", e.what());
                return make_cpu_backend();
            }
        }
        std::fprintf(stderr, "lineage: no CUDA device available, running on the CPU\n");
        return make_cpu_backend();
    }
    throw UsageError("--device: unknown device '" + device + "' (expected auto, cpu or cuda)");
}

}  // namespace lineage::model
