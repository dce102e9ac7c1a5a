// Process CPU time (all threads, user + system), the fair figure on a shared machine: the benches
// report it beside wall time.
#pragma once

#include <ctime>

namespace lineage::bench {

inline double cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace lineage::bench
