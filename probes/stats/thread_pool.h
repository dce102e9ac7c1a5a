// A small fixed-size thread pool for the probes' embarrassingly parallel work: one linear
// assignment per layer, one null shuffle batch per worker. parallel_for hands out indices
// dynamically (an atomic counter), so uneven tasks (a related layer solves in O(n^2), an
// unrelated one in O(n^3)) still keep every core busy. Exceptions thrown by a task are rethrown on
// the calling thread (the first one wins; the rest of the indices are skipped).
#pragma once

#include <cstddef>
#include <functional>

namespace lineage::probes::stats {

// Number of worker threads to use by default: hardware_concurrency(), at least 1, overridable with
// the LINEAGE_THREADS environment variable (benchmarks pin it to 1 for single-core comparisons).
unsigned default_thread_count();

// Runs fn(i) for i in [0, n) on up to `threads` threads (0 = default_thread_count()).
// The calling thread takes part, so threads == 1 runs everything inline.
void parallel_for(std::size_t n, const std::function<void(std::size_t)>& fn, unsigned threads = 0);

}  // namespace lineage::probes::stats
