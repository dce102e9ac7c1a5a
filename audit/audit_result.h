// What one audit gathered and decided, before it becomes a report: the models it read (with content
// digests), the policy, the evidence each probe produced (findings, descriptive figures, layer x
// layer matrices, tokenizer comparisons, activation profiles), and the verdicts. The probes' own
// result structs are translated into these plain records by the adapters in audit/evidence/, so the
// decision and the report never depend on a probe's internals.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "audit/policy/policy.h"
#include "audit/verdict/component_verdict.h"
#include "audit/verdict/finding.h"
#include "audit/verdict/model_verdict.h"
#include "audit/verdict/pitfalls.h"

namespace lineage::audit {

struct ModelRef {
    std::string label;         // short name for tables ("llama-base")
    std::string path;          // as given on the command line
    std::string digest;        // "sha256:<hex>" content digest, "" when not computed
    std::string architecture;  // config.json architectures[0], "" when unknown
    std::int64_t parameters = 0;
};

// A layer x layer similarity matrix for one role against one base, e.g. the neuron-matching
// -log10 p of every candidate MLP layer against every base MLP layer, with the aligned layer map.
struct SimilarityMatrix {
    std::string base;
    std::string role;            // "attention", "mlp", "embeddings", ...
    std::string statistic;       // what a value is, e.g. "-log10 p (neuron matching)"
    int rows = 0, columns = 0;   // candidate layers x base layers
    std::vector<double> values;  // row-major, NaN = not measured
    std::vector<std::pair<int, int>> alignment;  // (candidate layer, base layer) of the aligned map
    double scale_min = 0.0, scale_max = 1.0;
};

// The tokenizer probe's comparison of the candidate's tokenizer with one base's.
struct TokenizerComparison {
    std::string base;
    std::string relation;  // a tokenizer relation (finding.h)
    std::optional<double> jaccard, containment, order_preservation;
    std::optional<NullRange> jaccard_null, order_null;
    std::int64_t candidate_vocab = 0, base_vocab = 0, shared = 0;
    std::string explanation;  // the probe's one-line explanation
};

// CKA between candidate layer i and base layer i (issue 7's activation probe; not built yet).
struct ActivationProfile {
    std::string base;
    std::vector<double> cka_diagonal;
    std::optional<NullRange> independent_range;
    std::optional<double> top1_agreement;
};

// A probe that did not run, and why (shown in the report so that absence is never silent).
struct SkippedProbe {
    std::string probe;       // "weights", "tokenizer", "activations", "registry"
    std::string base;        // "" when it concerns every base
    std::string reason_key;  // message key, e.g. "audit.skip.not_built"
    std::string detail;      // technical detail (error text), may be empty
};

struct AuditEvidence {
    std::vector<std::string> candidate_components;  // every component the candidate has
    std::vector<Finding> findings;
    std::vector<DescriptiveFigure> figures;
    std::vector<SimilarityMatrix> matrices;
    std::vector<TokenizerComparison> tokenizers;
    std::vector<ActivationProfile> activations;
    std::vector<SkippedProbe> skipped;
    std::vector<std::pair<std::string, std::string>>
        parameters;  // every setting that shaped a figure
    std::vector<std::pair<std::string, std::uint64_t>> seeds;
};

struct AuditResult {
    ModelRef candidate;
    std::vector<ModelRef> bases;
    Policy policy;
    AuditEvidence evidence;
    std::vector<ComponentVerdict> components;
    ModelVerdict verdict;
    std::string command;       // the command line as run
    std::string generated_at;  // ISO 8601 UTC
};

// Applies the policy to the evidence: fills result.components and result.verdict.
void decide(AuditResult& result);

}  // namespace lineage::audit
