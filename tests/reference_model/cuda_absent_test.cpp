// The CUDA entry points on a machine without a usable device (every build: with the CUDA backend
// compiled and no GPU/driver, or with the stubs of a build without nvcc): the device count is 0
// and every entry point throws DeviceError (exit 5) instead of crashing, while auto falls back to
// the CPU. On a GPU machine only the out-of-range checks run; tests/cuda covers the rest there.
#include <doctest/doctest.h>

#include "reference_model/backend/backend.h"
#include "reference_model/backend/cuda_statistics.h"
#include "weights/core/error.h"

using namespace lineage;
using namespace lineage::model;

TEST_CASE("cuda entry points report a missing device as DeviceError") {
    const int devices = cuda_device_count();
    CHECK(devices >= 0);
    CHECK_THROWS_AS(make_cuda_backend(devices), DeviceError);  // one past the last device
    CHECK_THROWS_AS(make_cuda_backend(-1), DeviceError);
    if (devices > 0) return;
    CHECK_THROWS_AS(make_backend("cuda"), DeviceError);
    CHECK(make_backend("auto")->device() == Device::cpu);
    const float cost[4] = {1.0f, 2.0f, 3.0f, 4.0f};
    CHECK_THROWS_AS(cuda_solve_assignment(cost, 2, false), DeviceError);
    CHECK_THROWS_AS(cuda_gram_matrix(cost, 2, 2), DeviceError);
}
