// LAPJV with the optimality certificate (see assignment.h). The solver core works on a square,
// row-major minimisation problem in the input precision T; the wrappers handle maximisation
// (negated copy), rectangular shapes (zero padding) and input validation. Notation follows the
// paper: x[i] = column of row i, y[j] = row of column j, v[j] = column dual; the row dual of an
// assigned row is implicit (u[i] = c[i][x[i]] - v[x[i]], always the row's minimum reduced cost).
#include "probes/stats/assignment.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include "probes/stats/assignment_kernels.h"
#include "probes/stats/assignment_scan.h"
#include "weights/core/error.h"

namespace lineage::probes::stats {
namespace {

template <typename T>
struct Row {
    std::int64_t best = -1;
    T best_value = std::numeric_limits<T>::max();
};

// Each row's minimum and its column (first on ties), from the vectorised row scan.
template <typename T>
std::vector<Row<T>> row_minima(const T* c, std::int64_t n, std::int64_t m) {
    const RowBests<T> scan = scan_rows(c, n, m, false);
    std::vector<Row<T>> rows(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) rows[i] = {scan.col[i], scan.value[i]};
    return rows;
}

int env_int(const char* name, int fallback) {
    const char* v = std::getenv(name);
    return v ? std::atoi(v) : fallback;
}
int arr_passes() { static const int v = env_int("LINEAGE_LAP_ARR_PASSES", 2); return v; }
int arr_budget() { static const int v = env_int("LINEAGE_LAP_ARR_BUDGET", 4); return v; }

template <typename T>
class Lapjv {
public:
    // rows <= cols. Rectangular problems (rows < cols) are solved as they are, without padding:
    // the shortest-augmenting-path phase and the augmenting row reduction keep every column dual
    // v <= 0 and v = 0 on every unassigned column (v only decreases, and only on columns that are
    // or become assigned, which stay assigned), which with the row-minima start is exactly the
    // dual feasibility of the rectangular problem; the column reduction (square only) is not used.
    Lapjv(const T* c, std::int64_t rows, std::int64_t cols)
        : c_(c), nr_(rows), n_(cols), x_(rows, -1), y_(cols, -1), v_(cols, T(0)) {}

    // Dual start from the row minima (v = 0): rows keep their best column when nobody else took it.
    void init_from_row_minima(const std::vector<Row<T>>& rows) {
        for (std::int64_t i = 0; i < nr_; ++i) {
            const std::int64_t j = rows[i].best;
            if (y_[j] < 0) x_[i] = j, y_[j] = i;
        }
    }

    // Column reduction with reduction transfer (JV step 1), scanning rows in memory order. Square only.
    void init_from_column_reduction() {
        std::vector<std::int64_t> argrow(n_, 0);
        for (std::int64_t j = 0; j < n_; ++j) v_[j] = c_[j];
        for (std::int64_t i = 1; i < n_; ++i) {
            const T* r = c_ + i * n_;
            for (std::int64_t j = 0; j < n_; ++j)
                if (r[j] < v_[j]) v_[j] = r[j], argrow[j] = i;
        }
        std::vector<int> matches(n_, 0);
        for (std::int64_t j = n_ - 1; j >= 0; --j) {
            const std::int64_t i = argrow[j];
            if (++matches[i] == 1) {
                x_[i] = j, y_[j] = i;
            } else if (v_[j] < v_[x_[i]]) {  // keep the cheaper column for this row
                y_[x_[i]] = -1;
                x_[i] = j, y_[j] = i;
            }
        }
        for (std::int64_t i = 0; i < nr_; ++i) {
            if (matches[i] != 1) continue;
            const std::int64_t j1 = x_[i];
            const T* r = c_ + i * n_;
            T mn = std::numeric_limits<T>::max();
            for (std::int64_t j = 0; j < n_; ++j)
                if (j != j1) mn = std::min(mn, r[j] - v_[j]);
            v_[j1] = r[j1] - mn;
        }
    }

    // Augmenting row reduction (JV step 2), two passes over the free rows. A pass stops early
    // after a bounded number of steps so that floating-point ties can never make it cycle.
    void augmenting_row_reduction() {
        std::vector<std::int64_t> free = free_rows();
        for (int pass = 0; pass < arr_passes() && !free.empty(); ++pass) {
            std::size_t k = 0, num_free = 0;
            const std::size_t prev_free = free.size();
            std::int64_t budget = arr_budget() * n_ + 64;
            while (k < prev_free && budget-- > 0) {
                const std::int64_t i = free[k++];
                T umin, usub;
                std::int64_t j1, j2;
                kernels::two_smallest(c_ + i * n_, v_.data(), n_, umin, j1, usub, j2);
                if (j2 < 0) usub = std::numeric_limits<T>::max();
                std::int64_t i0 = y_[j1];
                const T v_new = v_[j1] - (usub - umin);
                const bool strict = umin < usub && v_new < v_[j1];
                if (strict) {
                    v_[j1] = v_new;
                } else if (i0 >= 0) {
                    j1 = j2;
                    i0 = y_[j1];
                }
                if (i0 >= 0) x_[i0] = -1;
                x_[i] = j1, y_[j1] = i;
                if (i0 >= 0) {
                    if (strict)
                        free[--k] = i0;  // reduce it again at once
                    else
                        free[num_free++] = i0;
                }
            }
            free = free_rows();
        }
    }

    // Shortest augmenting paths (JV step 3) for every row still free.
    void augment_all() {
        const std::vector<std::int64_t> free = free_rows();
        if (free.empty()) return;
        d_.resize(static_cast<std::size_t>(n_));
        pred_.resize(static_cast<std::size_t>(n_));
        blocked_.resize(static_cast<std::size_t>(n_));
        for (const std::int64_t f : free) augment(f);
    }

    const std::vector<std::int64_t>& x() const { return x_; }
    long long free_count() const {
        long long k = 0;
        for (auto v : x_) k += v < 0;
        return k;
    }

private:
    std::vector<std::int64_t> free_rows() const {
        std::vector<std::int64_t> f;
        for (std::int64_t i = 0; i < nr_; ++i)
            if (x_[i] < 0) f.push_back(i);
        return f;
    }

    // Dijkstra on reduced costs from free row f, in the dense form: every step is one contiguous
    // vector pass over the columns that relaxes the distances through the newly reached row and
    // finds the next closest open column (kernels::relax_and_min; no index gathers, so it streams
    // the row at memory speed). A scanned column's distance and predecessor are final when it is
    // scanned; they are saved then, since later passes may overwrite them (unmasked stores).
    void augment(std::int64_t f) {
        const T inf = std::numeric_limits<T>::infinity();
        T* d = d_.data();
        std::int32_t* pred = pred_.data();
        T* blocked = blocked_.data();
        std::fill(blocked_.begin(), blocked_.end(), T(0));
        scanned_.clear();
        const T* rf = c_ + f * n_;
        std::fill(pred_.begin(), pred_.end(), static_cast<std::int32_t>(f));
        for (std::int64_t j = 0; j < n_; ++j) d[j] = inf;
        std::int64_t jmin = -1;
        T mn = kernels::relax_and_min(rf, v_.data(), d, pred, blocked, n_, T(0), static_cast<std::int32_t>(f), jmin);
        while (y_[jmin] >= 0) {
            scanned_.push_back({jmin, d[jmin], pred[jmin]});
            blocked[jmin] = inf;
            const std::int64_t i = y_[jmin];
            const T* r = c_ + i * n_;
            const T u1 = r[jmin] - v_[jmin] - mn;
            mn = kernels::relax_and_min(r, v_.data(), d, pred, blocked, n_, u1, static_cast<std::int32_t>(i), jmin);
        }
        for (const Scanned& s : scanned_) {
            v_[s.col] += s.d - mn;
            pred[s.col] = s.pred;
        }
        std::int64_t end_of_path = jmin;
        for (;;) {
            const std::int64_t i = pred[end_of_path];
            y_[end_of_path] = i;
            const std::int64_t next = x_[i];
            x_[i] = end_of_path;
            if (i == f) break;
            end_of_path = next;
        }
    }

    struct Scanned {
        std::int64_t col;
        T d;
        std::int32_t pred;
    };

    const T* c_;
    std::int64_t nr_, n_;  // rows, columns (nr_ <= n_)
    std::vector<std::int64_t> x_, y_;
    std::vector<T> v_;
    std::vector<T> d_, blocked_;
    std::vector<std::int32_t> pred_;
    std::vector<Scanned> scanned_;
};

// The distinct-best-column certificate from one row scan: the best columns if no two rows share
// one (rows <= cols), else nullopt. `collisions` gets the number of rows whose best column an
// earlier row already wanted.
template <typename T>
std::optional<std::vector<std::int32_t>> certificate(const RowBests<T>& best, std::int64_t rows,
                                                     std::int64_t cols, std::int64_t* collisions) {
    std::vector<char> taken(static_cast<std::size_t>(cols), 0);
    std::int64_t clash = 0;
    for (std::int64_t i = 0; i < rows; ++i) clash += taken[best.col[i]]++ ? 1 : 0;
    if (collisions) *collisions = clash;
    if (clash > 0 || rows > cols) return std::nullopt;
    std::vector<std::int32_t> x(static_cast<std::size_t>(rows));
    for (std::int64_t i = 0; i < rows; ++i) x[i] = static_cast<std::int32_t>(best.col[i]);
    return x;
}

template <typename T>
void check_finite(const T* c, std::int64_t rows, std::int64_t cols) {
    const std::int64_t total = rows * cols;
    for (std::int64_t k = 0; k < total; ++k)
        if (!std::isfinite(c[k]))
            throw InputError("solve_assignment: cost matrix entry " + std::to_string(k / cols) +
                             "," + std::to_string(k % cols) + " is not finite");
}

// Minimisation with rows <= cols on a matrix we may read in place; `minima` are its row minima.
template <typename T>
std::vector<std::int64_t> solve_wide(const T* c, std::int64_t rows, std::int64_t cols,
                                     const std::vector<Row<T>>& minima) {
    Lapjv<T> solver(c, rows, cols);
    const bool trace = std::getenv("LINEAGE_LAP_TRACE") != nullptr;
    auto t0 = std::chrono::steady_clock::now();
    auto lap = [&](const char* what) {
        if (!trace) return;
        const auto t1 = std::chrono::steady_clock::now();
        std::fprintf(stderr, "lapjv %s: %.3f s, free rows %lld\n", what,
                     std::chrono::duration<double>(t1 - t0).count(), solver.free_count());
        t0 = t1;
    };
    std::vector<char> taken(static_cast<std::size_t>(cols), 0);
    std::int64_t clash = 0;
    for (const auto& r : minima) clash += taken[r.best]++ ? 1 : 0;
    if (rows < cols || clash * 10 < rows)
        solver.init_from_row_minima(minima);  // few collisions: only those rows need paths
    else
        solver.init_from_column_reduction();
    lap("init");
    solver.augmenting_row_reduction();
    lap("augmenting row reduction");
    solver.augment_all();
    lap("augmentation");
    return solver.x();
}

template <typename T>
Assignment solve(const T* cost, std::int64_t rows, std::int64_t cols, Objective objective, unsigned threads) {
    if (rows < 0 || cols < 0) throw InternalError("solve_assignment: negative shape");
    Assignment out;
    out.row_to_col.assign(static_cast<std::size_t>(rows), -1);
    if (rows == 0 || cols == 0) return out;
    const bool maximize = objective == Objective::maximize;
    // One pass: each row's best column and the finiteness check (throws naming the entry).
    const RowBests<T> best = scan_rows(cost, rows, cols, maximize, threads);
    if (!best.finite) check_finite(cost, rows, cols);
    if (auto x = certificate(best, rows, cols, &out.collisions)) {
        out.row_to_col = std::move(*x);
        out.certified = true;
        for (std::int64_t i = 0; i < rows; ++i)
            out.total += static_cast<double>(cost[i * cols + out.row_to_col[i]]);
        return out;
    }
    // The solver minimises with rows <= cols. More rows than columns: solve the transpose (each
    // column picks a row) and invert; maximisation: negate. Both need a working copy.
    const bool transpose = rows > cols;
    const std::int64_t r = transpose ? cols : rows, m = transpose ? rows : cols;
    std::vector<T> work;
    std::vector<Row<T>> minima;
    if (!transpose && !maximize) {
        minima.resize(static_cast<std::size_t>(r));
        for (std::int64_t i = 0; i < r; ++i) minima[i] = {best.col[i], best.value[i]};
    } else {
        work.resize(static_cast<std::size_t>(r * m));
        const T sign = maximize ? T(-1) : T(1);
        if (transpose) {
            for (std::int64_t i = 0; i < rows; ++i)
                for (std::int64_t j = 0; j < cols; ++j) work[j * m + i] = sign * cost[i * cols + j];
            minima = row_minima(work.data(), r, m);
        } else {  // the row maxima found above are the negated matrix's row minima
            for (std::int64_t k = 0; k < r * m; ++k) work[k] = -cost[k];
            minima.resize(static_cast<std::size_t>(r));
            for (std::int64_t i = 0; i < r; ++i) minima[i] = {best.col[i], -best.value[i]};
        }
    }
    const auto x = solve_wide(work.empty() ? cost : work.data(), r, m, minima);
    for (std::int64_t k = 0; k < r; ++k) {
        const std::int64_t i = transpose ? x[k] : k, j = transpose ? k : x[k];
        out.row_to_col[i] = static_cast<std::int32_t>(j);
        out.total += static_cast<double>(cost[i * cols + j]);
    }
    return out;
}

}  // namespace

Assignment solve_assignment(const double* cost, std::int64_t rows, std::int64_t cols,
                            Objective objective, unsigned threads) {
    return solve(cost, rows, cols, objective, threads);
}

Assignment solve_assignment(const float* cost, std::int64_t rows, std::int64_t cols,
                            Objective objective, unsigned threads) {
    return solve(cost, rows, cols, objective, threads);
}

std::optional<std::vector<std::int32_t>> certified_matching(const float* cost, std::int64_t rows,
                                                            std::int64_t cols, Objective objective) {
    if (rows <= 0 || cols <= 0 || rows > cols) return std::nullopt;
    return certificate(scan_rows(cost, rows, cols, objective == Objective::maximize), rows, cols, nullptr);
}

}  // namespace lineage::probes::stats
