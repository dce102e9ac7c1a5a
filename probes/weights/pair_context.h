// What every pairwise statistic of one comparison shares: both models, their summaries, the rule,
// and the recovered hidden-space map. Also the two reads every aligned statistic needs: a matrix
// with the RMSNorm gain that feeds it folded in (W <- W diag(gamma), so that a norm folded into the
// weights by a derived model compares equal), and the same matrix mapped into B's hidden basis.
#pragma once

#include <cstdint>

#include "probes/weights/compare_result.h"
#include "probes/weights/model_view.h"
#include "probes/weights/verdict_rule.h"
#include "probes/weights/weight_summary.h"

namespace lineage::probes::weights {

struct PairContext {
    const ModelView& a;
    const ModelView& b;
    const WeightSummary& sa;
    const WeightSummary& sb;
    const VerdictRule& rule;
    MatrixF hidden_map;  // d_A x d_B with E_B ~ E_A M; empty when not recovered / not needed
    bool has_map = false;
};

// The norm whose output `role` reads (attn_norm for q/k/v, mlp_norm for MLP and experts,
// final_norm for lm_head); Role::other when none.
Role input_norm_of(Role role);

// The tensor (rows x hidden) with its input norm gain folded into the columns.
MatrixF read_folded(const ModelView& view, const TensorRef& t);

// Folded A tensor expressed in B's hidden basis (W_A diag(gamma_A) M), or just folded when there
// is no map or the width does not match.
MatrixF read_aligned_a(const PairContext& ctx, const TensorRef& t);

}  // namespace lineage::probes::weights
