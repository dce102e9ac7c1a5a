// Computing a fingerprint from a checkpoint: one summary pass over every tensor (digests, row
// MinHash, moments), the anchor tokens (the first `anchors` multi-byte tokens of the vocabulary
// by id - BPE ids follow merge rank, so these are the most common words and word pieces), their
// embedding rows, every matrix sketched with the seeded projection, the tokenizer and config files,
// and the activation signature (a layer-streaming forward over the bundled probe corpus).
#pragma once

#include <cstdint>
#include <string>

#include "probes/fingerprint/fingerprint.h"
#include "probes/weights/model_view.h"

namespace lineage::probes::fingerprint {

struct FingerprintOptions {
    std::string name;                 // entry name; "" = the model folder's name
    // k and the anchor count; 0 = automatic: k = min(64, hidden/2), 4096 anchors and 512
    // signature points, stepped down (make_fingerprint.cpp's ladder: k to 32, points to 256,
    // anchors to 2048, k to 16, points to 128, anchors to 1024 and 512) while the estimated
    // payload - weights, carried files and signature - exceeds `budget` of the model's bf16 size
    // (the margin to the 2% covers HDF5's own metadata). A model too small for the bound
    // even at the last step keeps the first settings (see README: below ~100 M parameters).
    std::int64_t sketch_dims = 0;
    std::int64_t anchors = 0;
    double budget = 0.019;
    std::uint64_t seed = 20260610;    // projection seed
    // Most points of the activation signature on the bundled corpus (0 = none; runs the model
    // once); the budget may lower it.
    std::int64_t activation_points = 512;
    std::string tool_version;         // recorded in the entry
    std::string created_at;           // ISO 8601 UTC, recorded
};

inline constexpr std::uint64_t kDefaultProjectionSeed = 20260610;

// Estimated payload in bytes (bf16 values plus carried files) for hidden width d, k dims, n anchors.
std::int64_t estimate_payload_bytes(const weights::ModelView& view, std::int64_t d, std::int64_t k,
                                    std::int64_t anchors, std::int64_t file_bytes);

// Throws InputError for unreadable checkpoints, UnsupportedError when the model has no token
// embedding (nothing to anchor the hidden basis on).
Fingerprint make_fingerprint(const std::string& model_path, const FingerprintOptions& options);

// The model's files the fingerprint carries verbatim, in this order where present.
inline constexpr const char* kCarriedFiles[] = {"config.json", "tokenizer.json",
                                                "tokenizer_config.json", "tokenizer.model",
                                                "tekken.json"};

}  // namespace lineage::probes::fingerprint
