// The sketch of one model in k dims (see fingerprint.h): the seeded projection R, the table of
// which tensors read and which write the residual stream, and the sketch of one tensor given a
// projection P (d x k) of the model's own hidden basis: P = R for the base; for a candidate,
// P = M^T R, where M maps the base's hidden basis onto the candidate's (so that the candidate's
// rows land in the base's basis before projection). Vectors are kept whole; a matrix whose role
// the table does not list, or whose hidden side does not have width d, is left out and named.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "probes/fingerprint/fingerprint.h"
#include "probes/weights/model_view.h"

namespace lineage::probes::fingerprint {

using weights::MatrixF;

// R: d x k with orthonormal columns (QR of a Gaussian matrix drawn from mt19937_64 seeded with
// `seed`, d and k): the same R for every model of width d, so one candidate sketch serves every
// base of that width. (k > d: plain Gaussian columns of variance 1/k.)
MatrixF projection_matrix(std::int64_t d, std::int64_t k, std::uint64_t seed);

// The sketch dims used for hidden width d: min(requested, d / 2) (a sketch must compress, and a
// width other than d keeps norm gains from being folded a second time by the probe).
std::int64_t sketch_dims_for(std::int64_t hidden, std::int64_t requested);

// Which side of a matrix the table says touches the residual stream.
enum class HiddenSide { none, columns, rows };
HiddenSide hidden_side(lineage::weights::Role role);

// Sketch of tensor `t` of `view` with projection `p` (hidden x k), or nullopt with `why` set when
// it is left out. Token embedding and lm_head are handled by the callers (anchor rows).
std::optional<SketchTensor> sketch_tensor(const weights::ModelView& view, const weights::TensorRef& t,
                                          const MatrixF& p, std::int64_t hidden, std::string& why);

}  // namespace lineage::probes::fingerprint
