// Implementation of parallel_for with short-lived std::threads (called a few times per layer, so
// thread start-up, ~20 µs, is noise next to the work).
#include "reference_model/backend/parallel.h"

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <thread>
#include <vector>

namespace lineage::model {

int cpu_threads() {
    static const int threads = [] {
        if (const char* env = std::getenv("LINEAGE_THREADS")) {
            int n = std::atoi(env);
            if (n > 0) return n;
        }
        return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    }();
    return threads;
}

void parallel_for(std::int64_t n, std::int64_t min_per_thread,
                  const std::function<void(std::int64_t, std::int64_t)>& fn) {
    if (n <= 0) return;
    std::int64_t threads = std::min<std::int64_t>(cpu_threads(), n / std::max<std::int64_t>(1, min_per_thread));
    if (threads <= 1) {
        fn(0, n);
        return;
    }
    std::vector<std::thread> pool;
    std::vector<std::exception_ptr> errors(static_cast<std::size_t>(threads));
    std::int64_t chunk = (n + threads - 1) / threads;
    for (std::int64_t t = 1; t < threads; ++t) {
        std::int64_t b = t * chunk, e = std::min(n, b + chunk);
        if (b >= e) break;
        pool.emplace_back([&, t, b, e] {
            try {
                fn(b, e);
            } catch (...) {
                errors[static_cast<std::size_t>(t)] = std::current_exception();
            }
        });
    }
    try {
        fn(0, std::min(n, chunk));
    } catch (...) {
        errors[0] = std::current_exception();
    }
    for (auto& th : pool) th.join();
    for (auto& e : errors)
        if (e) std::rethrow_exception(e);
}

}  // namespace lineage::model
