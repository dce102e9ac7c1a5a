// A minimal parallel loop for the CPU backend's elementwise work and weight conversion: splits
// [0, n) into one contiguous range per thread. GEMMs are threaded by OpenBLAS itself, so this is
// only used between them (never nested inside a BLAS call).
#pragma once

#include <cstdint>
#include <functional>

namespace lineage::model {

// Threads used by the CPU backend: $LINEAGE_THREADS if set, else the hardware's count.
int cpu_threads();

// Calls fn(begin, end) on disjoint ranges covering [0, n); runs inline when n < min_per_thread * 2.
void parallel_for(std::int64_t n, std::int64_t min_per_thread,
                  const std::function<void(std::int64_t, std::int64_t)>& fn);

}  // namespace lineage::model
