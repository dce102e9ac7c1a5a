// Tail probabilities in log space. Lineage reports evidence as -log10 p, and evidence from a whole
// derived model easily reaches p = 1e-5000: every tail here returns the natural log of the
// probability, computed without ever forming the probability itself where it would underflow.
#pragma once

#include <span>

namespace lineage::probes::stats {

// log I_x(a, b), the regularised incomplete beta function (continued fraction, Lentz's method).
double log_incomplete_beta(double a, double b, double x);

// log P(T > t) for Student's t with `df` degrees of freedom.
double log_t_sf(double t, double df);

// log P(X > x) for a chi-square variable with an even number of degrees of freedom 2k (the
// closed form exp(-x/2) * sum_{i<k} (x/2)^i / i!, summed in log space).
double log_chi2_sf_even(double x, long k);

// log P(Z > z) for a standard normal (erfc, then its asymptotic series far in the tail).
double log_normal_sf(double z);

// Fisher's method: combines independent p-values given as natural logs; returns log of the
// combined p-value (chi-square with 2L degrees of freedom on -2 sum log p).
double fisher_combine_log(std::span<const double> log_p);

// Natural log to -log10 (the figure reports show).
inline double neg_log10(double log_p) { return -log_p / 2.302585092994045684; }

}  // namespace lineage::probes::stats
