// cuda_solve_assignment (cuda_statistics.h): square linear assignment by a parallel (Jacobi)
// auction with epsilon scaling on integer benefits; see the header for the exactness argument.
//
// Rows are "persons", columns "objects". Benefits b_ij = round(t_ij * s) * (n + 1) are computed
// on the fly from the float costs (t = c - c_min to maximise, c_max - c to minimise), so the GPU
// holds only the n x n float matrix. Prices are int64. One bidding round = three kernels:
//   bid:    one warp per unassigned person i scans its row: best value v1 = b_ij - p_j at j1
//           (lowest j on ties) and second best v2 over the other objects; it bids
//           p_j1 + (v1 - v2) + eps = b_ij1 - v2 + eps on j1, and atomicMax()es the bid into
//           best_bid[j1];
//   claim:  each bidder whose bid equals best_bid[j1] atomicMin()s its index into winner[j1]
//           (deterministic: the lowest index wins ties);
//   assign: each object with a winner takes it at the price best_bid[j], evicting its previous
//           owner (who bids again next round), and resets best_bid / winner.
// No two threads of `assign` touch the same person: a winner bid on one object only, and an
// evicted owner owned one object only and, being assigned, did not bid.
// A phase ends when every person is assigned; epsilon then shrinks by kEpsilonFactor, the
// assignment is cleared and prices (shifted so the smallest is 0) carry over; the phase with
// epsilon = 1 is the last.
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <string>

#include "reference_model/backend/cuda_buffer.cuh"
#include "reference_model/backend/cuda_statistics.h"
#include "weights/core/error.h"

namespace lineage::model {

namespace {

constexpr std::int64_t kEpsilonFactor = 8;
constexpr int kWarpsPerBlock = 8;
constexpr long long kNoBid = LLONG_MIN;
constexpr std::int64_t kMaxRounds = std::int64_t{1} << 32;  // a safety net, far beyond any real run

struct Benefit {
    const float* cost;
    double origin;  // c_min (maximise) or c_max (minimise)
    double sign;    // +1 (maximise) or -1 (minimise): t = sign * (c - origin) >= 0
    double scale;   // s
    long long n1;   // n + 1
    __device__ long long operator()(std::int64_t i, std::int64_t j, std::int64_t n) const {
        const double t = a_sign(static_cast<double>(cost[i * n + j]));
        return llrint(t * scale) * n1;
    }
    __device__ double a_sign(double c) const { return sign * (c - origin); }
};

// Running (best value, its object, second-best value) of one lane, and the merge of two.
struct Best {
    long long v1, v2;
    int j1;
};

__device__ inline Best merge(Best a, Best b) {
    const bool b_wins = b.v1 > a.v1 || (b.v1 == a.v1 && b.j1 < a.j1);
    Best r;
    r.v1 = b_wins ? b.v1 : a.v1;
    r.j1 = b_wins ? b.j1 : a.j1;
    // The second best is the loser's best or either second best (a tie makes it equal to v1).
    r.v2 = max(min(a.v1, b.v1), max(a.v2, b.v2));
    return r;
}

__global__ void bid_kernel(Benefit benefit, std::int64_t n, const long long* __restrict__ price,
                           const int* __restrict__ person_obj, int* bid_obj, long long* bid_val, long long* best_bid,
                           long long eps) {
    const std::int64_t i = (blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x) / 32;
    const int lane = threadIdx.x % 32;
    if (i >= n) return;  // whole warps exit together (i is the same for all 32 lanes)
    if (person_obj[i] >= 0) {
        if (lane == 0) bid_obj[i] = -1;
        return;
    }
    Best b{kNoBid, kNoBid, INT_MAX};
    for (std::int64_t j = lane; j < n; j += 32) {
        const long long v = benefit(i, j, n) - price[j];
        // j increases within a lane, so strict > keeps the lowest j among equal values.
        if (v > b.v1) {
            b.v2 = b.v1;
            b.v1 = v;
            b.j1 = static_cast<int>(j);
        } else if (v > b.v2) {
            b.v2 = v;
        }
    }
    for (int offset = 16; offset > 0; offset /= 2) {
        Best o;
        o.v1 = __shfl_xor_sync(0xffffffffu, b.v1, offset);
        o.v2 = __shfl_xor_sync(0xffffffffu, b.v2, offset);
        o.j1 = __shfl_xor_sync(0xffffffffu, b.j1, offset);
        b = merge(b, o);
    }
    if (lane == 0) {
        // n >= 2 (the host solves n = 1), so v2 is a real value: bid = p_j1 + (v1 - v2) + eps.
        const long long bid = price[b.j1] + (b.v1 - b.v2) + eps;
        bid_obj[i] = b.j1;
        bid_val[i] = bid;
        atomicMax(best_bid + b.j1, bid);
    }
}

__global__ void claim_kernel(std::int64_t n, const int* __restrict__ bid_obj, const long long* __restrict__ bid_val,
                             const long long* __restrict__ best_bid, int* winner) {
    const std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
    if (i >= n) return;
    const int j = bid_obj[i];
    if (j >= 0 && bid_val[i] == best_bid[j]) atomicMin(winner + j, static_cast<int>(i));
}

__global__ void assign_kernel(std::int64_t n, long long* price, int* owner, int* person_obj, long long* best_bid,
                              int* winner, int* unassigned) {
    const std::int64_t j = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
    if (j >= n) return;
    const int w = winner[j];
    if (w == INT_MAX) return;  // no bid on j this round
    const int old = owner[j];
    if (old >= 0)
        person_obj[old] = -1;  // evicted: bids again next round
    else
        atomicSub(unassigned, 1);  // a free object taken: one person fewer unassigned
    owner[j] = w;
    person_obj[w] = static_cast<int>(j);
    price[j] = best_bid[j];
    best_bid[j] = kNoBid;
    winner[j] = INT_MAX;
}

template <typename T>
__global__ void fill_kernel(T* p, std::int64_t n, T value) {
    const std::int64_t i = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x;
    if (i < n) p[i] = value;
}

template <typename T>
void fill(cuda::DeviceArray<T>& a, T value) {
    const auto n = static_cast<std::int64_t>(a.size());
    fill_kernel<<<cuda::grid_for(n, 256), 256>>>(a.get(), n, value);
    cuda::check_launch("fill_kernel");
}

}  // namespace

GpuAssignment cuda_solve_assignment(const float* cost, std::int64_t n, bool maximize, int device) {
    using cuda::check;
    GpuAssignment result;
    if (n < 0 || n >= INT_MAX / 2)
        throw DeviceError("cuda_solve_assignment: n = " + std::to_string(n) + " out of range");
    const std::size_t nn = static_cast<std::size_t>(n) * static_cast<std::size_t>(n);
    double cmin = INFINITY, cmax = -INFINITY;
    for (std::size_t e = 0; e < nn; ++e) {
        const double c = cost[e];
        if (!std::isfinite(c))
            throw InputError("cuda_solve_assignment", "cost matrix entry " + std::to_string(e) + " is not finite");
        cmin = std::min(cmin, c);
        cmax = std::max(cmax, c);
    }
    result.row_to_col.resize(static_cast<std::size_t>(n));
    if (n == 0) return result;
    if (n == 1 || cmax == cmin) {  // every matching is optimal
        for (std::int64_t i = 0; i < n; ++i) result.row_to_col[i] = static_cast<std::int32_t>(i);
    } else {
        const long long R = (1LL << 46) / (n + 1);
        const double range = cmax - cmin;
        result.bound = static_cast<double>(n) * range / static_cast<double>(R);
        Benefit benefit{nullptr, maximize ? cmin : cmax, maximize ? 1.0 : -1.0, static_cast<double>(R) / range, n + 1};

        check(cudaSetDevice(device), "cuda_solve_assignment: cudaSetDevice");
        cuda::DeviceArray<float> c(nn);
        c.upload(cost, nn, "cuda_solve_assignment: upload");
        benefit.cost = c.get();
        const auto un = static_cast<std::size_t>(n);
        cuda::DeviceArray<long long> price(un), bid_val(un), best_bid(un);
        cuda::DeviceArray<int> owner(un), person_obj(un), bid_obj(un), winner(un), unassigned(1);
        fill(price, 0LL);
        fill(best_bid, kNoBid);
        fill(winner, INT_MAX);

        const long long max_benefit = R * (n + 1);
        long long eps = std::max(1LL, max_benefit / kEpsilonFactor);
        const unsigned warp_blocks = cuda::grid_for(n * 32, 32 * kWarpsPerBlock);
        const unsigned thread_blocks = cuda::grid_for(n, 256);
        for (;;) {
            ++result.phases;
            // New phase: nobody assigned; prices shifted so the smallest is 0 (a uniform shift
            // changes no value difference, and keeps prices far from overflow).
            fill(owner, -1);
            fill(person_obj, -1);
            std::vector<long long> p = price.download("cuda_solve_assignment: prices");
            const long long pmin = *std::min_element(p.begin(), p.end());
            const long long pmax = *std::max_element(p.begin(), p.end());
            if (pmax - pmin > (1LL << 61))
                throw InternalError("cuda_solve_assignment: auction prices out of range");
            for (auto& v : p) v -= pmin;
            price.upload(p.data(), un, "cuda_solve_assignment: prices");
            int left = static_cast<int>(n);
            unassigned.upload(&left, 1, "cuda_solve_assignment: counter");
            while (left > 0) {
                if (++result.rounds > kMaxRounds)
                    throw InternalError("cuda_solve_assignment: the auction did not converge");
                bid_kernel<<<warp_blocks, 32 * kWarpsPerBlock>>>(benefit, n, price.get(), person_obj.get(),
                                                                 bid_obj.get(), bid_val.get(), best_bid.get(), eps);
                cuda::check_launch("bid_kernel");
                claim_kernel<<<thread_blocks, 256>>>(n, bid_obj.get(), bid_val.get(), best_bid.get(), winner.get());
                cuda::check_launch("claim_kernel");
                assign_kernel<<<thread_blocks, 256>>>(n, price.get(), owner.get(), person_obj.get(), best_bid.get(),
                                                      winner.get(), unassigned.get());
                cuda::check_launch("assign_kernel");
                check(cudaMemcpy(&left, unassigned.get(), sizeof(int), cudaMemcpyDeviceToHost),
                      "cuda_solve_assignment: counter");
            }
            if (eps == 1) break;
            eps = std::max(1LL, eps / kEpsilonFactor);
        }
        const std::vector<int> assigned = person_obj.download("cuda_solve_assignment: matching");
        for (std::int64_t i = 0; i < n; ++i) result.row_to_col[i] = assigned[i];
    }
    for (std::int64_t i = 0; i < n; ++i) result.total += cost[i * n + result.row_to_col[i]];
    return result;
}

}  // namespace lineage::model
