// One read of one checkpoint of a chain, producing everything the chain audit keeps about it: the
// weight probe's WeightSummary (reused for both neighbours and every base), a sampled sketch of its
// values (for distances between checkpoints without re-reading either), the initialisation
// check's per-tensor measurements and the content digest (weights/digest.h, the binding). All four
// come from the same pass: summarize() reads through an observing view that hands every tensor to
// the sketch and the measurements as it passes, and marks it done for the digest stream, which
// hashes the tensor's stored bytes right after they were read (still in the page cache), so each
// checkpoint's files are read once. The pairwise statistics of the weight probe then read the
// matrices they need again through `view`, from the same mapped pages; those reads are counted
// (CheckpointReads) so that a chain run can show where its reads went.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "audit/chain/chain_result.h"
#include "probes/weights/initialisation_check.h"
#include "probes/weights/model_view.h"
#include "probes/weights/weight_summary.h"
#include "weights/checkpoint.h"

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

// The checkpoint as the pairwise statistics see it: forwards to a CheckpointView and counts the
// distinct tensors read through it (thread-safe). Distinct, not every read: how often a tensor is
// re-read depends on the probes' caches and on thread timing, and the report must not.
class CountingView : public probes::weights::ModelView {
public:
    // `meta`: the same checkpoint opened for its metadata (the tensors' stored sizes).
    CountingView(const std::string& path, const weights::Checkpoint& meta);
    const probes::weights::CheckpointView& inner() const { return inner_; }
    const std::string& label() const override { return inner_.label(); }
    const std::vector<probes::weights::TensorRef>& tensors() const override { return inner_.tensors(); }
    probes::weights::MatrixF read(const probes::weights::TensorRef& t) const override;
    std::string stored_sha256(const probes::weights::TensorRef& t) const override {
        return inner_.stored_sha256(t);
    }
    std::map<std::string, std::string> config_fields() const override { return inner_.config_fields(); }
    std::optional<std::string> tokenizer_path() const override { return inner_.tokenizer_path(); }

    // Stored bytes of tensors()[i].
    std::int64_t stored_bytes(std::size_t i) const { return stored_bytes_[i]; }
    std::int64_t reads() const { return reads_; }            // distinct tensors read
    std::int64_t bytes_read() const { return bytes_read_; }  // their stored bytes

private:
    probes::weights::CheckpointView inner_;
    std::vector<std::int64_t> stored_bytes_;  // by index into tensors()
    mutable std::unique_ptr<std::atomic<bool>[]> seen_;  // by index into tensors(): read at least once
    mutable std::atomic<std::int64_t> reads_{0}, bytes_read_{0};
};

struct CheckpointPass {
    std::unique_ptr<weights::Checkpoint> ckpt;  // metadata (config, tensor list) and the digest's bytes
    std::unique_ptr<CountingView> view;         // for the pairwise statistics
    std::string digest;                         // "sha256:<hex>" content digest
    probes::weights::InitScheme scheme;         // what the config implies
    probes::weights::WeightSummary summary;
    ChainSketch sketch;
    std::vector<probes::weights::TensorInitStats> init_stats;  // same order as view->tensors()
    double median_spectral_ratio = 0.0;  // over tested matrices
    CheckpointReads pass_reads;          // the pass's share (pairwise added by reads())

    CheckpointReads reads() const;
};

// Opens `path` and reads every tensor once (parallel over tensors).
CheckpointPass read_checkpoint_once(const std::string& path,
                                    const probes::weights::InitialisationRule& rule,
                                    int samples_per_tensor, std::uint64_t seed);

// A base's pass: its summary and content digest only (no sketch, no initialisation measurements).
CheckpointPass read_base_once(const std::string& path);

// Number of read_checkpoint_once() and read_base_once() calls made by this process (a test hook: a chain of n
// checkpoints makes n).
std::uint64_t checkpoint_passes_started();

}  // namespace lineage::audit
