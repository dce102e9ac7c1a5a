// Maps between two hidden bases estimated from paired samples (rows = the same tokens in both
// models): the orthogonal Procrustes rotation (SVD of X'Y) for a full rotation of the residual
// stream, and the signed permutation (linear assignment on |column correlation|) for the cheaper
// and more common permutation/sign-flip case. Both report the fit as the mean per-column
// correlation after mapping, so the probe can compare it with the fit to randomly paired rows.
// Widths may differ (a model widened or pruned in its hidden size): the Procrustes map is then
// semi-orthogonal (p x q, orthonormal rows when p < q, orthonormal columns when p > q) and the
// signed permutation partial (each column of the narrower side matched once); fits are measured
// in the narrower of the two spaces, so dimensions the map cannot explain do not dilute them.
#pragma once

#include <cstdint>
#include <vector>

#include "probes/stats/cka.h"

namespace lineage::probes::stats {

// R (p x q) minimising |X R - Y|_F over maps with orthonormal rows or columns (X: n x p, Y: n x q;
// p == q gives the orthogonal Procrustes rotation): R = U V' from the thin SVD of X'Y. Rows need
// not be centred.
MatrixD orthogonal_procrustes(const MatrixD& x, const MatrixD& y);

struct SignedPermutation {
    std::vector<std::int32_t> a_to_b;  // column of X -> column of Y (-1: unmatched)
    std::vector<std::int8_t> sign;     // +1 / -1 per column of X
    double mean_abs_corr = 0.0;        // mean |corr| over matched columns
    bool certified = false;            // assignment solved by the certificate
};

// Column correlation matrix (p x q) of X (n x p) and Y (n x q), centred per column.
MatrixD column_correlation(const MatrixD& x, const MatrixD& y);

// Signed permutation matching columns of X to columns of Y (maximises sum |corr|).
SignedPermutation signed_permutation_fit(const MatrixD& x, const MatrixD& y);

// Mean per-column correlation between X R and Y (the fit of a rotation). When R is wide (p < q:
// A narrower than B) the comparison is made in A's space instead, X against Y R', so B's columns
// outside the map's range (fresh dimensions of a widened model) do not count against the fit.
double mapped_fit(const MatrixD& x, const MatrixD& r, const MatrixD& y);

// mapped_fit(x, signed_permutation_matrix(sp, y.cols()), y) without forming the matrix or the
// n x p x q product: a column gather and sign flip, O(n min(p, q)). Same terms summed in the same
// order, so the value is bit-identical to the dense form.
double signed_permutation_fit_value(const MatrixD& x, const SignedPermutation& sp, const MatrixD& y);

// orthogonal_procrustes in single precision (cross product and SVD in float, map returned in
// double). For wide hidden sizes (thousands), where the map is judged by a fit whose null sd is
// ~1/sqrt(n) >> float rounding; roughly halves the GEMM and SVD cost.
MatrixD orthogonal_procrustes_f32(const MatrixD& x, const MatrixD& y);

// The signed permutation as a p x q matrix M with X M ~ Y.
MatrixD signed_permutation_matrix(const SignedPermutation& sp, std::int64_t q);

}  // namespace lineage::probes::stats
