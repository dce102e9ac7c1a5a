// The candidate read once for screening against any number of fingerprints (the first stage of
// screen.h): one streaming pass over every tensor computes what the exact-reuse check needs -
// shape, moments, the row MinHash (the same loop as probes/weights/weight_summary.cpp, so equal
// tensors give bit-equal figures) - and keeps the norm vectors. Everything else an entry needs is
// computed on first use and cached by what it depends on, never per entry:
//   - a tensor's SHA-256 only when a fingerprint tensor has its shape and moments (identical
//     bytes have identical moments, so the digest is never needed for any other tensor);
//   - anchor embedding rows, gathered by id (only those rows are read);
//   - neuron sketches of a few layers (first, middle, last): for each projection (d, k, seed)
//     the second moment S = (W diag(g) R')^T (W diag(g) R') of q_proj and mlp_gate, R' the first
//     `dims` columns of R - invariant to any permutation of the neurons.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "probes/stats/sketch.h"
#include "probes/weights/model_view.h"
#include "probes/weights/weight_summary.h"
#include "reference_model/tokenizer/formats/vocabulary.h"

namespace lineage::weights {
class Checkpoint;
}

namespace lineage::probes::fingerprint {

using weights::MatrixF;
using MatrixD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

using CandidateTensor = weights::TensorMoments;

// The neuron-sketch second moments of one role in one layer.
struct NeuronMoment {
    lineage::weights::Role role;
    int layer = -1;
    MatrixD s;  // dims x dims
};

class CandidateSummary {
public:
    // Opens and reads the candidate once. Throws InputError for unreadable input.
    explicit CandidateSummary(const std::string& path, unsigned threads = 0);
    ~CandidateSummary();

    const std::string& path() const { return path_; }
    const weights::CheckpointView& view() const { return *view_; }
    const lineage::weights::Checkpoint& checkpoint() const { return *ckpt_; }
    const model::Vocabulary* vocabulary() const { return vocab_ ? &*vocab_ : nullptr; }
    const std::vector<CandidateTensor>& tensors() const { return tensors_; }
    double seconds() const { return seconds_; }

    // SHA-256 of tensor i as the weight summary computes it (stored bytes), cached.
    const std::string& sha256(std::size_t i);
    // Rows `ids` of the token embedding (ids.size() x d).
    MatrixF embedding_rows(const std::vector<std::int32_t>& ids) const;
    // Neuron moments of the tested layers under projection (d, k, seed), first `dims` columns;
    // empty when the candidate's width is not d.
    const std::vector<NeuronMoment>& neuron_moments(std::int64_t d, std::int64_t k,
                                                    std::uint64_t seed, std::int64_t dims);
    // The layers whose neurons are sketched: first, middle and last.
    std::vector<int> tested_layers() const;

private:
    std::string path_;
    std::unique_ptr<lineage::weights::Checkpoint> ckpt_;
    std::unique_ptr<weights::CheckpointView> view_;
    std::optional<model::Vocabulary> vocab_;
    std::vector<CandidateTensor> tensors_;
    std::map<std::size_t, std::string> sha_;
    std::map<std::tuple<std::int64_t, std::int64_t, std::uint64_t, std::int64_t>,
             std::vector<NeuronMoment>>
        moments_;
    double seconds_ = 0.0;
};

// The layers of an L-layer model the quick screen sketches: {0, L/2, L-1} (distinct).
std::vector<int> spread_layers(int layers);

// Second moment of a sketch's rows: X^T X (X: rows x cols, first `dims` columns taken).
MatrixD second_moment(const float* x, std::int64_t rows, std::int64_t cols, std::int64_t dims);

}  // namespace lineage::probes::fingerprint
