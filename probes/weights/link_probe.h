// The link probe: the weight probe's two dependence tests, cut down to what one link of a
// checkpoint chain has to show - that checkpoint B descends from checkpoint A of the same run.
// A link must show DEPENDENCE (issue 9: "neuron matching and attention invariant far beyond their
// nulls"), so the parts of `compare` that serve other questions are left out:
//  - no positive controls: they state the power behind an "independent" verdict, which a link
//    never needs; a link this probe does not show dependent is handed to the full probe, which
//    runs them (audit/chain/chain_run.cpp);
//  - no hidden-space alignment: both sides are read in their stored basis. The tests' nulls hold
//    in any fixed basis chosen without looking at the MLP and attention weights (under
//    independence B's neurons are exchangeable and its aligned input dimensions are exchangeable
//    whatever the basis), so a result beyond them is as valid as through a recovered map; a
//    rotated or permuted successor (not a plain training step) loses power here and goes to the
//    full probe;
//  - layers are paired by index only (layer l of A with layer l of B, a pairing fixed before
//    looking at the weights), so no search over layer pairs and no Bonferroni for it;
//  - neuron matching uses a fixed seeded subset of `neuron_rows` of A's neurons per layer against
//    all of B's (the same subset argument as neuron_matching.h: the Spearman null holds with
//    |S| pairs); a true link gives -log10 p in the hundreds on 256 rows;
//  - the attention invariant's permutation null draws `cka_shuffles` shuffles per layer over at
//    most `cka_dims` input dimensions. A layer none of whose draws reaches the observed CKA has the
//    exact permutation p = 1 / (shuffles + 1) (0.005 at 199 shuffles); no approximation is made.
//    Fisher over L such layers gives -log10 p of about 2.3 L, far beyond the corroboration
//    threshold (2) for any L >= 1. The full probe's 1000 shuffles only move that floor.
// The decision uses the full probe's own thresholds (VerdictRule::neuron_threshold() on the
// combined neuron evidence and attention_corroboration_neg_log10_p on the attention evidence),
// and it can only say "dependent" or "not shown": it never concludes independence.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "probes/weights/model_view.h"
#include "probes/weights/verdict_rule.h"

namespace lineage::probes::weights {

struct LinkProbeOptions {
    VerdictRule rule;
    std::optional<std::uint64_t> seed;  // overrides rule.seed (same seeds as compare's nulls)
    std::int64_t neuron_rows = 256;     // A's neurons matched per block (all when <= 2x this)
    int cka_shuffles = 199;             // permutation draws per layer
    std::int64_t cka_dims = 512;        // input dimensions per layer (seeded subsample above)
};

struct LinkLayer {
    int layer = -1;
    std::int64_t neurons = 0;      // A's neurons matched (summed over blocks)
    double spearman = 0.0;         // gate vs up matching (the weakest block's)
    double neuron_neg_log10_p = 0.0;  // Fisher over the layer's blocks
    bool certified = false;        // every matching certified optimal without the solver
    double cka = 0.0;              // unbiased CKA of Wq|Wk over the input dimensions
    double cka_p = 1.0;            // permutation p
    double cka_null_mean = 0.0, cka_null_sd = 0.0, cka_null_max = 0.0;
    double cka_z = 0.0;            // (cka - null mean) / null sd: how far beyond, descriptive
    std::int64_t dims = 0, shuffles = 0;
};

struct LinkProbeResult {
    bool dependent = false;            // both tests beyond the full probe's thresholds
    double neuron_neg_log10_p = 0.0;   // Fisher over layers
    double attention_neg_log10_p = 0.0;  // Fisher over layers with separate q/k
    double neg_log10_p = 0.0;          // the stronger family, Bonferroni over the two
    std::vector<LinkLayer> layers;
    std::string not_applicable;        // non-empty: the layers do not pair by index (why)
    std::string summary;               // one paragraph, English
    std::uint64_t seed = 0;
    double seconds = 0.0;
};

// Tests B (the later checkpoint) against A (its predecessor). Reads each layer's gate, up, q and
// k of both sides once (and their norm gains).
LinkProbeResult probe_link(const ModelView& a, const ModelView& b, const LinkProbeOptions& options);

}  // namespace lineage::probes::weights
