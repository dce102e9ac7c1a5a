// Screening a candidate against fingerprints, in two stages. The candidate is read once
// (candidate_summary.h); the quick stage (quick_screen.h) clears, in milliseconds per entry, the
// entries that are clearly unrelated; only the others go to the full stage. Full stage: the
// candidate's weight summary (digests of every tensor) is computed once, on first need; against
// each fingerprint its hidden basis is mapped onto
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

#include "probes/fingerprint/anchor_map.h"
#include "probes/fingerprint/candidate_summary.h"
#include "probes/fingerprint/fingerprint.h"
#include "probes/fingerprint/quick_screen.h"
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
    QuickResult quick;              // the first stage (screen() only)
    bool full_stage = false;        // result came from the full sketch probe
};

class CandidateScreen {
public:
    // Opens the candidate and summarises it (one pass). Throws InputError for unreadable input.
    explicit CandidateScreen(const std::string& candidate_path);
    ~CandidateScreen();

    // Both stages: the quick screen, then, unless it cleared the entry, compare().
    ScreenResult screen(const Fingerprint& fp, const weights::CompareOptions& options);

    // The quick stage alone (its options from the rule: quick_options).
    QuickResult quick(const Fingerprint& fp, const weights::CompareOptions& options);

    // The weight probe of the fingerprint's base (A) against the candidate (B), on sketches.
    // UnsupportedError when the candidate has no token embedding or shares too few anchors.
    // `pre`: the anchor map the quick stage already fitted with these options (else fitted here).
    ScreenResult compare(const Fingerprint& fp, const weights::CompareOptions& options,
                         const AnchorMap* pre = nullptr);

    const std::string& label() const { return label_; }
    // The candidate's read-once pass, and the full weight summary when the full stage ran.
    double summary_seconds() const { return candidate_->seconds() + summary_.seconds; }
    bool full_summary_done() const { return summarized_; }

private:
    std::vector<SketchTensor> sketch_body(const weights::MatrixF& p, std::int64_t hidden);
    const weights::WeightSummary& full_summary();

    std::string path_, label_;
    std::unique_ptr<CandidateSummary> candidate_;
    const lineage::weights::Checkpoint* ckpt_ = nullptr;
    const weights::CheckpointView* view_ = nullptr;
    weights::WeightSummary summary_;
    bool summarized_ = false;
    std::map<std::tuple<std::int64_t, std::int64_t, std::uint64_t>, std::vector<SketchTensor>> cache_;
};

}  // namespace lineage::probes::fingerprint
