// Per-checkpoint statistics computed in ONE streaming pass over a model (tensor by tensor), kept
// small enough to hold for every checkpoint of a chain: per tensor its digest, row MinHash, mean
// and standard deviation; per layer the records the pairwise statistics and the descriptive
// figures need (norm gains, attention std). A chain audit builds one WeightSummary per checkpoint
// and reuses it for both of its neighbours; `compare` builds one per side.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "probes/stats/sketch.h"
#include "probes/weights/model_view.h"

namespace lineage::probes::weights {

// What one pass over a tensor's fp32 values gives: shape, moments and the row sketch. Shared by
// the weight summary and the registry's candidate summary, so equal tensors give equal figures.
struct TensorMoments {
    std::int64_t rows = 0, cols = 0;
    double mean = 0.0, stddev = 0.0;
    bool constant = false;         // every element equal (e.g. untrained norm gains of 1)
    stats::MinHash row_minhash{};  // over bf16-rounded rows (2-D tensors)
};
TensorMoments tensor_moments(const MatrixF& m);

struct TensorSummary : TensorMoments {
    std::size_t index = 0;       // into ModelView::tensors()
    std::string sha256;          // stored bytes (files) or fp32 values (memory views)
};

struct LayerRecord {
    int layer = -1;
    double q_std = 0.0;          // std of q_proj (descriptive "std curve")
    std::vector<float> attn_norm, mlp_norm;  // gains (empty when absent)
};

struct WeightSummary {
    std::string label;
    std::vector<TensorSummary> tensors;  // same order as ModelView::tensors()
    std::vector<LayerRecord> layers;
    std::vector<float> final_norm;
    std::int64_t parameters = 0;
    double seconds = 0.0;

    const TensorSummary* of(const ModelView& view, const TensorRef* t) const;
};

// One pass over every tensor of `view` (parallel over tensors, one tensor per worker in memory).
WeightSummary summarize(const ModelView& view, unsigned threads = 0);

}  // namespace lineage::probes::weights
