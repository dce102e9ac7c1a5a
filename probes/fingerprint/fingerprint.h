// A fingerprint: what the weight and tokenizer probes need to compare any candidate against one
// base model later, without the base's weights. It is a *sketch model* - the base with every
// matrix that reads or writes the residual stream projected from the hidden width d down to k
// dims by one seeded Gaussian projection R (d x k), the vocabulary cut down to an anchor set of
// common tokens - plus, for every sketched tensor, the facts of the full tensor (digest, row
// MinHash, moments) that exact reuse and the descriptive figures read. A candidate is brought into
// the same k-dim space at screening time (screen.h): its hidden basis is mapped onto the base's
// through the anchor tokens' embedding rows (kept at full width, keyed by byte string), then
// projected with the same R; the unchanged weight probe then runs on the two sketches.
// What is kept, per tensor kind (sketch_tensors.h has the table):
//   residual readers (q/k/v, gate/up, router, lm_head): W diag(norm gain) R   (out x k)
//   residual writers (o_proj, down):                     W^T R                 (in x k)
//   token embedding: the anchor rows at full width (N x d; sketched at screening)
//   lm_head: the anchor rows, folded and projected (N x k)
//   vectors (norm gains, biases): in full
// The tokenizer files and config.json travel verbatim (the tokenizer probe and the architecture
// finding read them as files). From layout 2 on, the model's activation signature on the bundled
// probe corpus (probes/activation/activation_signature.h: per hidden layer the centred Gram
// matrix over a fixed sample of corpus points) travels too, when the model could be run. Serialised by audit/registry (layout in audit/registry/LAYOUT.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "probes/activation/activation_signature.h"
#include "probes/stats/sketch.h"

namespace lineage::probes::fingerprint {

// Layout version of the data model below (bumped with any change a reader must know about).
inline constexpr int kLayoutVersion = 2;

// How a stored tensor relates to the full one.
enum class SketchKind : std::uint8_t {
    full,          // stored as is (vectors)
    reads_hidden,  // W diag(gain) R
    writes_hidden, // W^T R
    anchor_rows,   // token embedding rows of the anchors, full width
    anchor_sketch, // lm_head rows of the anchors, folded and projected
};
const char* sketch_kind_name(SketchKind k);
// Throws nothing; returns false for an unknown name.
bool parse_sketch_kind(const std::string& name, SketchKind& out);

// The full tensor's facts (what weight_summary computes from all of its values).
struct TensorFacts {
    std::string sha256;              // stored bytes
    stats::MinHash row_minhash{};
    std::int64_t rows = 0, cols = 0;
    double mean = 0.0, stddev = 0.0;
    bool constant = false;
};

struct SketchTensor {
    std::string name;                  // the full tensor's name (its role comes from the name)
    SketchKind kind = SketchKind::full;
    std::vector<std::int64_t> shape;   // of `values`
    std::vector<float> values;         // row-major
    TensorFacts full;
};

// What an entry says about itself (its HDF5 group attributes): shared by the full fingerprint
// and the registry's listing (audit/registry/registry_file.h EntryInfo), so one reads into the
// other without a field-by-field copy.
struct FingerprintHeader {
    std::string name;            // registry entry name
    std::string source_path;     // as given when it was made
    std::string source_digest;   // "sha256:<hex>" content digest of the source checkpoint
    std::string tool_version;    // lineage version that made it
    std::string created_at;      // ISO 8601 UTC
    std::string architecture;
    std::int64_t parameters = 0;
    std::int64_t hidden_size = 0;     // d
    std::int64_t sketch_dims = 0;     // k
    std::uint64_t projection_seed = 0;
};

struct Fingerprint : FingerprintHeader {
    std::vector<std::int32_t> anchor_ids;      // base token ids of the anchors
    std::vector<std::string> anchor_bytes;     // their byte strings (the key a candidate uses)
    std::vector<SketchTensor> tensors;
    std::vector<std::pair<std::string, std::string>> files;  // (file name, bytes): tokenizer, config
    std::vector<std::string> not_sketched;     // tensors left out, "name: why"
    // Layout 2: the activation signature (absent in layout-1 entries, and when the model could
    // not be run: no tokenizer, an architecture the reference model lacks - "activations: why"
    // is then in not_sketched).
    std::optional<activation::ActivationSignature> activations;

    // Bytes of the stored payload (values at the registry's storage width, files verbatim, the
    // activation signature's triangles and points).
    std::int64_t payload_bytes(int bytes_per_value = 2) const;
    const SketchTensor* find(const std::string& tensor_name) const;
};

}  // namespace lineage::probes::fingerprint
