// One read of one checkpoint of a chain, producing everything the chain audit keeps about it: the
// weight probe's WeightSummary (reused for both neighbours and every base), a sampled sketch of its
// values (for distances between checkpoints without re-reading either), and the initialisation
// check's per-tensor measurements. The three are computed from the same fp32 copy of each tensor:
// summarize() reads through an observing view that hands every tensor to the sketch and the
// measurements as it passes, so each checkpoint is read once (the later pairwise statistics read
// the few matrices they need again).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "probes/weights/initialisation_check.h"
#include "probes/weights/model_view.h"
#include "probes/weights/weight_summary.h"

namespace lineage::audit {

// Up to `per_tensor` values of each tensor at positions that depend only on its size and the
// seed, so two checkpoints of one run sample the same elements.
struct ChainSketch {
    std::map<std::string, std::vector<float>> samples;  // tensor name -> sampled values
    std::map<std::string, std::int64_t> sizes;          // tensor name -> element count
};

// Relative L2 distance ||b - a|| / ||a|| over the sampled values of the tensors that both hold
// with the same size (an unbiased estimate of the weights' relative Frobenius distance). Returns
// NaN when they share no tensor.
double relative_distance(const ChainSketch& a, const ChainSketch& b);

struct CheckpointPass {
    std::unique_ptr<probes::weights::CheckpointView> view;
    probes::weights::WeightSummary summary;
    ChainSketch sketch;
    std::vector<probes::weights::TensorInitStats> init_stats;  // same order as view->tensors()
    double median_spectral_ratio = 0.0;  // over tested matrices
};

// Opens `path` and reads every tensor once (parallel over tensors).
CheckpointPass read_checkpoint_once(const std::string& path,
                                    const probes::weights::InitScheme& scheme,
                                    const probes::weights::InitialisationRule& rule,
                                    int samples_per_tensor, std::uint64_t seed);

}  // namespace lineage::audit
