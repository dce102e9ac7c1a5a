// The outcome of the activation probe as plain data: the layer x layer CKA matrices, the diagonal
// profile along the best monotone layer alignment, the output agreement on the shared vocabulary,
// every figure beside its row-shuffled null and the range it takes between independent models, and
// the verdict with its reasons. `lineage probe` prints it (probe_json.h for --json); the audit
// consumes it directly. Behavioural similarity (distillation) is its own verdict, never "derived".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lineage::probes::activation {

enum class Verdict { derived, behaviourally_similar, independent, inconclusive };
// "derived", "behaviourally-similar", "independent", "inconclusive"
const char* verdict_name(Verdict v);

// A figure with its calibration: the row-shuffled null (positions of B permuted) and the range
// seen between independent models (zoo pairs; independent_pairs == 0 when not calibrated).
struct CalibratedFigure {
    std::string name;
    double value = 0.0;
    bool higher_is_closer = true;   // false for divergences
    double null_mean = 0.0, null_sd = 0.0, null_extreme = 0.0;  // extreme: max (min for divergences)
    int null_draws = 0;
    double independent_lo = 0.0, independent_hi = 0.0;
    int independent_pairs = 0;
    bool beyond_null = false;         // beyond every shuffled draw and mean + z_min sd
    bool beyond_independent = false;  // beyond the independent range by the rule's margin
};

struct ModelSide {
    std::string path;
    std::string architecture;
    std::int64_t layers = 0, hidden = 0, vocab = 0;
    std::string tokenizer_sha256;
    std::int64_t tokens = 0;      // tokens run through the model
    double seconds = 0.0;         // forward + Gram matrices
};

// One entry of the diagonal profile: B layer b matched to A layer a.
struct ProfileEntry {
    std::int32_t layer_b = 0, layer_a = -1;  // -1: no A layer beyond the null
    double debiased = 0.0, linear = 0.0;
    double null_mean = 0.0, null_sd = 0.0, null_max = 0.0;  // debiased CKA, B rows shuffled
};

struct ProbeResult {
    std::string model_a, model_b;
    ModelSide a, b;
    Verdict verdict = Verdict::inconclusive;
    std::vector<std::string> reasons;
    std::string summary;

    // Corpus and alignment.
    std::string corpus_name, corpus_sha256;
    std::int64_t texts = 0, texts_aligned = 0, texts_normalised_differently = 0;
    bool same_tokenizer = false;
    std::int64_t aligned_positions = 0;  // over the whole corpus
    std::int64_t positions = 0;          // n used for the Gram matrices (deterministic subsample)

    // CKA, rows = A hidden layers 0..LA (0 = embeddings), cols = B layers 0..LB; row-major.
    std::int64_t rows = 0, cols = 0;
    std::vector<double> cka_debiased, cka_linear;
    std::vector<std::int32_t> b_to_a;     // monotone alignment; -1 = B layer unmatched
    std::vector<ProfileEntry> profile;    // one per B layer
    CalibratedFigure peak_cka;            // max debiased CKA along the alignment: decides "derived"
    CalibratedFigure diagonal_cka;        // mean debiased CKA along the alignment (all layers)
    CalibratedFigure diagonal_cka_linear; // the same with linear CKA

    // Output agreement on the shared vocabulary.
    bool agreement_computed = false;
    std::string agreement_note;
    std::int64_t shared_tokens = 0, agreement_positions = 0;
    CalibratedFigure top1_agreement;
    CalibratedFigure js_divergence;

    std::uint64_t seed = 0;
    int cka_shuffles = 0, agreement_shuffles = 0;
    std::int64_t max_tokens_per_text = 0;
    std::string rule_source, null_ranges_source;
    std::string ranges_measured_on;  // the pairs the independent ranges were measured on
    // Out-of-sample check of those ranges: calibration_models_known when the ranges file lists its
    // models (weights sha256); calibration_overlap names A or B when it is one of them (then the
    // ranges are in sample for this pair). Empty with known models: out of sample.
    bool calibration_models_known = false;
    std::vector<std::string> calibration_overlap;
    std::string device;
    double seconds = 0.0;
};

}  // namespace lineage::probes::activation
