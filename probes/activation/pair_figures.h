// The steps of the activation probe as separate pieces, so that `run_activation_probe` (one pair,
// B's layers streamed against A's) and the zoo calibration (bench/probe_zoo.cpp: every pair of a
// zoo, each model's pass computed once per sampling plan and reused) run exactly the same code:
//   prepare_probe          tokenise both ways, pair positions by byte offset, sample, plan passes
//   compare_b_layer        one hidden layer of B against every layer of A (CKA row + shuffled null)
//   finish_figures         alignment, diagonal profile, peak/mean CKA, output agreement, their nulls
//   apply_independent_ranges  the independent-pair ranges; note_calibration_overlap: whether they
//                          are out of sample for this pair
// then decide_verdict (activation_probe.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "probes/activation/gram_cka.h"
#include "probes/activation/model_pass.h"
#include "probes/activation/null_ranges.h"
#include "probes/activation/probe_corpus.h"
#include "probes/activation/probe_result.h"
#include "probes/activation/verdict_rule.h"
#include "reference_model/backend/backend.h"

namespace lineage::probes::activation {

struct ProbeSetup {
    ProbeResult result;           // corpus, alignment and parameter fields filled; no figures yet
    PassPlan plan_a, plan_b;
    bool runnable = false;        // false: too few aligned positions (result already inconclusive)
};

// Opens both checkpoints (no weights loaded), tokenises the corpus with each tokenizer and plans
// the two passes. Throws what Checkpoint/Transformer/Tokenizer throw for bad models.
ProbeSetup prepare_probe(const std::string& model_a, const std::string& model_b, const ProbeCorpus& corpus,
                         const VerdictRule& rule, model::Backend& backend, std::int64_t max_positions);

// What a model's pass leaves for comparison: every hidden layer's Gram side and the
// next-token log-probabilities (raw logits until finish_figures normalises them).
struct ModelActivations {
    std::vector<GramSide> grams;
    MatrixF log_probs;
    ModelSide side;
};

ModelActivations run_side(const std::string& path, const PassPlan& plan, model::Backend& backend);

// Row-shuffled null draws of the best-matching A layer, per B layer (filled by compare_b_layer).
using LayerNullDraws = std::vector<std::vector<double>>;

// Sizes the CKA matrices and the profile (r.rows x r.cols, from prepare_probe).
void begin_figures(ProbeResult& r, LayerNullDraws& draws);
// B's hidden layer `lb` against every layer of A: fills row lb of both CKA matrices, its profile
// entry's null and draws[lb].
void compare_b_layer(ProbeResult& r, const std::vector<GramSide>& grams_a, std::int64_t lb, const GramSide& g,
                     const VerdictRule& rule, LayerNullDraws& draws);
// After every B layer: alignment, profile, peak and mean CKA with their nulls, output agreement
// (log_softmax of both raw matrices, taken by value) with its null.
void finish_figures(ProbeResult& r, const LayerNullDraws& draws, MatrixF logits_a, MatrixF logits_b,
                    const VerdictRule& rule);
// Copies the ranges onto the figures and records where they were measured and whether either
// model is one of the calibration models (by weights sha256, see null_ranges.h).
void apply_independent_ranges(ProbeResult& r, const IndependentRanges& ranges);
// Whether A or B is one of the models the ranges were fitted on (calibration_models_at): fills
// calibration_models_known and calibration_overlap; decide_verdict reports it.
void note_calibration_overlap(ProbeResult& r, const IndependentRanges& ranges);

}  // namespace lineage::probes::activation
