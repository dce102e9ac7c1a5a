// Screening a candidate against fingerprints. The candidate is summarised once (one streaming
// pass: digests, row MinHash, moments); against each fingerprint its hidden basis is mapped onto
// the base's through the anchor tokens (the weight probe's own hidden-map fit, on the anchors'
// full-width embedding rows), its matrices are sketched with the base's projection (cached per
// projection: every base of one width that shows no map shares one candidate sketch), and the
// unchanged weight probe (compare_models) runs on the two sketches, with the full tensors' facts
// in place of the sketches' for exact reuse and the descriptive figures.
// Statistics that cannot be reproduced from a sketch, stated in every result's notes:
//   - Pearson correlations and CKA are computed on k-dim projections (JL-approximate inner
//     products; their nulls are computed on the same projections, so the tests stay calibrated);
//   - token agreement blocks index anchors, not token ids (appended-vocabulary blocks are not
//     located); the positive controls are built from the base's sketch.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "probes/fingerprint/fingerprint.h"
#include "probes/weights/compare.h"
#include "probes/weights/model_view.h"
#include "probes/weights/weight_summary.h"
#include "reference_model/tokenizer/formats/vocabulary.h"

namespace lineage::weights {
class Checkpoint;
}

namespace lineage::probes::fingerprint {

struct ScreenResult {
    weights::CompareResult result;  // model_a = fingerprint name; hidden = the anchor-token map
    std::int64_t anchors = 0, shared_anchors = 0;
    std::vector<std::string> notes;
};

class CandidateScreen {
public:
    // Opens the candidate and summarises it (one pass). Throws InputError for unreadable input.
    explicit CandidateScreen(const std::string& candidate_path);
    ~CandidateScreen();

    // The weight probe of the fingerprint's base (A) against the candidate (B), on sketches.
    // UnsupportedError when the candidate has no token embedding or shares too few anchors.
    ScreenResult compare(const Fingerprint& fp, const weights::CompareOptions& options);

    const std::string& label() const { return label_; }
    double summary_seconds() const { return summary_.seconds; }

private:
    std::vector<SketchTensor> sketch_body(const weights::MatrixF& p, std::int64_t hidden);

    std::string path_, label_;
    std::unique_ptr<lineage::weights::Checkpoint> ckpt_;
    std::unique_ptr<weights::CheckpointView> view_;
    weights::WeightSummary summary_;
    std::optional<model::Vocabulary> vocab_;
    std::map<std::tuple<std::int64_t, std::int64_t, std::uint64_t>, std::vector<SketchTensor>> cache_;
};

}  // namespace lineage::probes::fingerprint
