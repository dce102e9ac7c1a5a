// One model's pass over the probe sequences: the layer-streaming forward (reference_model's
// Transformer, one block's weights in memory at a time) with a capture callback that, for every
// hidden layer 0..L as it is produced, gathers the sampled positions' rows (n x hidden), reduces
// them to a centred Gram matrix (one GEMM) and hands it on; the features are dropped at once, so
// what the probe keeps is O(n^2) per layer. From the final norm's output it keeps the first m
// sampled rows and turns them into log-probabilities over the shared tokens only (the lm_head rows
// of those tokens are gathered and multiplied on the backend, in chunks), never the full
// [tokens, vocab] logits.
#pragma once

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "probes/activation/gram_cka.h"
#include "probes/activation/probe_result.h"
#include "reference_model/backend/backend.h"
#include "reference_model/model/transformer.h"
#include "weights/checkpoint.h"

namespace lineage::probes::activation {

struct PassPlan {
    std::vector<std::vector<std::int32_t>> sequences;       // token ids, one per text used
    std::vector<std::pair<std::int32_t, std::int32_t>> rows;  // (sequence, position) per sample
    std::int64_t agreement_rows = 0;                        // the first m samples get distributions
    std::vector<std::int32_t> shared_ids;                   // this model's ids of the shared tokens
};

// The plan for sample points given as (text, position) in sample order: each text that holds a
// point, cut after its last one (a causal model's earlier states do not depend on later tokens),
// and each point's (sequence, position) row.
PassPlan plan_points(const std::vector<std::vector<std::int32_t>>& encoded,
                     const std::vector<std::pair<std::int32_t, std::int32_t>>& text_positions);

// Receives hidden layer `layer`'s Gram side (layers arrive in order 0..L).
using GramSink = std::function<void(std::int64_t layer, GramSide&& side)>;

struct PassOutput {
    MatrixF log_probs;  // (agreement_rows, shared tokens); empty when not requested
    ModelSide side;
};

PassOutput run_model_pass(const weights::Checkpoint& checkpoint, model::Transformer& transformer,
                          model::Backend& backend, const PassPlan& plan, const GramSink& sink);

// The tensor lm_head multiplies by (the token embedding when tied), as the transformer binds it.
model::Tensor lm_head_view(const weights::Checkpoint& checkpoint, const model::Transformer& transformer);

}  // namespace lineage::probes::activation
