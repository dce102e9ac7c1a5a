// The inner loops of the LAPJV solver (assignment.cpp), written so that the compiler turns them
// into vector code: every loop walks contiguous arrays in blocks of W lanes, each lane keeps its
// own running minimum and argument (no dependency between lanes), and every decision is a compare
// and a blend instead of a branch. Column indices are 32-bit lanes in both precisions, so the
// index blends are as wide as the value blends (n < 2^31 always holds for a dense matrix here).
//
// - relax_and_min: one step of the dense Dijkstra in the shortest-augmenting-path phase: relax
//   the tentative distances d through a newly reached row and return the closest column that is
//   not yet scanned. Scanned columns are masked by `blocked` (0 for open columns, +inf for
//   scanned ones) only in the minimum: their d and pred may still be overwritten by the
//   relaxation, so the caller saves both when it scans a column (cheaper than a masked store).
// - two_smallest: the smallest and second-smallest reduced cost of a row (augmenting row
//   reduction).
// Measured on the 11,008^2 unrelated cosine matrix (bench/assignment.cpp): see bench/RESULTS.md.
#pragma once

#include <cstdint>
#include <limits>

namespace lineage::probes::stats::kernels {

template <typename T>
constexpr int lanes() {
    return 128 / static_cast<int>(sizeof(T));  // 16 doubles or 32 floats: two cache lines
}

// d[j] = min(d[j], r[j] - v[j] - u1) (pred[j] = row where it improved) for all j; returns the
// smallest d[j] + blocked[j] and its column (the first on ties).
template <typename T>
inline T relax_and_min(const T* __restrict r, const T* __restrict v, T* __restrict d,
                       std::int32_t* __restrict pred, const T* __restrict blocked, std::int64_t n,
                       T u1, std::int32_t row, std::int64_t& arg_out) {
    constexpr int W = lanes<T>();
    const T inf = std::numeric_limits<T>::infinity();
    alignas(64) T best[W];
    alignas(64) std::int32_t arg[W];
    for (int l = 0; l < W; ++l) best[l] = inf, arg[l] = -1;
    std::int64_t j = 0;
    for (; j + W <= n; j += W) {
        const std::int32_t base = static_cast<std::int32_t>(j);
        for (int l = 0; l < W; ++l) {
            const T h = r[j + l] - v[j + l] - u1;
            const T old = d[j + l];
            const bool relax = h < old;
            const T dl = relax ? h : old;
            d[j + l] = dl;
            pred[j + l] = relax ? row : pred[j + l];
            const T key = dl + blocked[j + l];
            const bool b = key < best[l];
            best[l] = b ? key : best[l];
            arg[l] = b ? base + l : arg[l];
        }
    }
    T bv = inf;
    std::int64_t bc = -1;
    for (int l = 0; l < W; ++l)
        if (best[l] < bv || (best[l] == bv && arg[l] >= 0 && arg[l] < bc)) bv = best[l], bc = arg[l];
    for (; j < n; ++j) {
        const T h = r[j] - v[j] - u1;
        if (h < d[j]) d[j] = h, pred[j] = row;
        const T key = d[j] + blocked[j];
        if (key < bv) bv = key, bc = j;
    }
    arg_out = bc;
    return bv;
}

// The two smallest values of r[j] - v[j] over j (ties: the first index is the minimum, an equal
// later value becomes the second), as in the scalar loop of the JV paper.
template <typename T>
inline void two_smallest(const T* __restrict r, const T* __restrict v, std::int64_t n, T& min1,
                         std::int64_t& arg1, T& min2, std::int64_t& arg2) {
    constexpr int W = lanes<T>();
    const T inf = std::numeric_limits<T>::infinity();
    alignas(64) T m1[W], m2[W];
    alignas(64) std::int32_t a1[W], a2[W];
    for (int l = 0; l < W; ++l) m1[l] = m2[l] = inf, a1[l] = a2[l] = -1;
    std::int64_t j = 0;
    for (; j + W <= n; j += W) {
        const std::int32_t base = static_cast<std::int32_t>(j);
        for (int l = 0; l < W; ++l) {
            const T h = r[j + l] - v[j + l];
            const bool c1 = h < m1[l], c2 = h < m2[l];
            const T nm2 = c1 ? m1[l] : (c2 ? h : m2[l]);
            const std::int32_t na2 = c1 ? a1[l] : (c2 ? base + l : a2[l]);
            m2[l] = nm2, a2[l] = na2;
            m1[l] = c1 ? h : m1[l];
            a1[l] = c1 ? base + l : a1[l];
        }
    }
    // Merge the lanes and the tail with the scalar rule, in column order per candidate.
    T u1 = inf, u2 = inf;
    std::int64_t j1 = -1, j2 = -1;
    auto push = [&](T h, std::int64_t col) {
        if (col < 0) return;
        if (h < u1 || (h == u1 && col < j1)) {
            u2 = u1, j2 = j1, u1 = h, j1 = col;
        } else if (h < u2 || (h == u2 && col < j2)) {
            u2 = h, j2 = col;
        }
    };
    for (int l = 0; l < W; ++l) push(m1[l], a1[l]), push(m2[l], a2[l]);
    for (; j < n; ++j) push(r[j] - v[j], j);
    min1 = u1, arg1 = j1, min2 = u2, arg2 = j2;
}

}  // namespace lineage::probes::stats::kernels
