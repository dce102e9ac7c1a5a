// The activation probe's orchestration (see activation_probe.h): prepare (tokenise, align, sample),
// run A keeping its Gram sides, run B streaming each layer against A's, then the figures, the
// independent ranges and the verdict. The pieces live in pair_figures.cpp, shared with the zoo
// calibration.
#include "probes/activation/activation_probe.h"

#include <chrono>

#include "probes/activation/pair_figures.h"
#include "reference_model/backend/backend.h"
#include "reference_model/model/transformer.h"
#include "weights/checkpoint.h"

namespace lineage::probes::activation {

ProbeResult run_activation_probe(const std::string& model_a, const std::string& model_b, const ProbeCorpus& corpus,
                                 const VerdictRule& rule, const IndependentRanges& ranges, const ProbeOptions& options) {
    const auto start = std::chrono::steady_clock::now();
    auto say = [&](const std::string& line) {
        if (options.progress) options.progress(line);
    };
    const auto backend = model::make_backend(options.device);
    ProbeSetup setup = prepare_probe(model_a, model_b, corpus, rule, *backend, options.max_positions.value_or(rule.max_positions));
    ProbeResult& r = setup.result;
    r.null_ranges_source = ranges.source;
    say("aligned " + std::to_string(r.aligned_positions) + " positions in " + std::to_string(r.texts_aligned) + " of " +
        std::to_string(r.texts) + " texts");
    if (!setup.runnable) {
        r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return std::move(r);
    }
    const std::string tok_a = r.a.tokenizer_sha256, tok_b = r.b.tokenizer_sha256;

    // ---- model A: keep every layer's Gram side --------------------------------------------------
    say("running A (" + model_a + ") on " + std::to_string(setup.plan_a.sequences.size()) + " texts");
    ModelActivations a = run_side(model_a, setup.plan_a, *backend);
    r.a = a.side;
    r.a.tokenizer_sha256 = tok_a;

    // ---- model B: each layer against every layer of A, then dropped -----------------------------
    LayerNullDraws draws;
    begin_figures(r, draws);
    MatrixF logits_b;
    {
        say("running B (" + model_b + ") on " + std::to_string(setup.plan_b.sequences.size()) + " texts");
        const auto checkpoint = weights::Checkpoint::open(model_b);
        model::Transformer transformer(checkpoint, *backend);
        PassOutput out = run_model_pass(checkpoint, transformer, *backend, setup.plan_b,
                                        [&](std::int64_t lb, GramSide&& g) { compare_b_layer(r, a.grams, lb, g, rule, draws); });
        r.b = out.side;
        r.b.tokenizer_sha256 = tok_b;
        logits_b = std::move(out.log_probs);
    }
    a.grams.clear();
    if (a.log_probs.rows() > 0)
        say("comparing next-token distributions at " + std::to_string(a.log_probs.rows()) + " positions over " +
            std::to_string(a.log_probs.cols()) + " shared tokens");
    finish_figures(r, draws, std::move(a.log_probs), std::move(logits_b), rule);
    apply_independent_ranges(r, ranges);
    note_calibration_overlap(r, ranges);
    decide_verdict(r, rule);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return std::move(r);
}

}  // namespace lineage::probes::activation
