// GPU versions of the two heavy statistics of the weight probe (issue 12): Gram matrices for CKA
// and the linear assignment of neuron matching. Plain C++ (no CUDA types), declared for every
// build: when CUDA is not built, cuda_statistics_cuda_stub.cpp defines them to throw DeviceError.
//
// How probes use them (probes/ may include reference_model/, so no layering is broken): the CPU
// code in probes/stats stays the reference and the default; a caller that wants the GPU checks
// `model::cuda_device_count() > 0` (backend.h) and calls these, falling back to the CPU on
// DeviceError. Results are host vectors, so nothing else in the probe changes.
#pragma once

#include <cstdint>
#include <vector>

namespace lineage::model {

// G = X X^T for X [n, p] (row-major fp32, host memory): G [n, n] row-major, computed in fp64 on
// the GPU (X widened to double, one cublasDgemm), so it agrees with a double-precision CPU Gram
// up to summation order.
std::vector<double> cuda_gram_matrix(const float* x, std::int64_t n, std::int64_t p, int device = 0);

// Square linear assignment on the GPU by the auction algorithm with epsilon scaling
// (Bertsekas; Jacobi variant: every unassigned row bids in parallel each round).
//
// Exactness: the float costs are mapped to integers q_ij = round((c_ij - c_min) * s) (for
// minimisation, (c_max - c_ij) * s as a benefit), with s = R / (c_max - c_min) and
// R = floor(2^46 / (n + 1)), then multiplied by n + 1; the auction ends with epsilon = 1, so
// by epsilon-complementary slackness the matching is optimal for the integer problem (its benefit
// is within n * epsilon = n < n + 1 of the optimum, and benefits differ by multiples of n + 1).
// Each c_ij is rounded by at most (c_max - c_min) / (2R), so the matching's true total is within
// n * (c_max - c_min) / R of the optimal total (the `bound` field; e.g. (c_max - c_min) * 2^-16 at
// n = 28,672). It equals the CPU solver's matching whenever the optimum is unique by more than that.
struct GpuAssignment {
    std::vector<std::int32_t> row_to_col;  // (n)
    double total = 0.0;                    // sum of the chosen costs, from the input in double
    double bound = 0.0;                    // proven gap to the optimal total (see above)
    std::int64_t phases = 0, rounds = 0;   // epsilon phases and bidding rounds run
};

// `cost` is row-major n x n in host memory; costs must be finite (InputError otherwise).
GpuAssignment cuda_solve_assignment(const float* cost, std::int64_t n, bool maximize, int device = 0);

}  // namespace lineage::model
