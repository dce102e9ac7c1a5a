// Registry entries as audit bases (see registry_audit.h).
#include "audit/registry/registry_audit.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>

#include "audit/evidence/tokenizer_evidence.h"
#include "audit/evidence/weight_evidence.h"
#include "audit/registry/registry_file.h"
#include "probes/fingerprint/fingerprint_files.h"
#include "probes/activation/activation_signature.h"
#include "probes/fingerprint/screen.h"
#include "probes/tokenizer/tokenizer_probe.h"
#include "weights/checkpoint.h"
#include "weights/core/error.h"

namespace lineage::audit {

namespace fpr = probes::fingerprint;
namespace act = probes::activation;

namespace {

bool has_tokenizer(const weights::Checkpoint& c) {
    for (const char* name : {"tokenizer.json", "tokenizer.model", "tekken.json"})
        if (c.sibling(name)) return true;
    return false;
}

// The candidate's signature is taken with the fingerprint's point count.
// The candidate's signature is computed once per audit and compared with every entry over the
// points both hold; fingerprints of small models store fewer points (make_fingerprint.h), and a
// sample of n points is the first n of the same hash order, so the largest count serves them all.
act::SignatureOptions signature_options(const act::ActivationSignature& base) {
    act::SignatureOptions so;
    so.points = std::max(so.points, static_cast<std::int64_t>(base.points.size()));
    return so;
}

// Layout 2: the base's stored signature against the candidate's, by CKA over their shared corpus
// points. Descriptive (a profile and a parameter): the signature carries no shuffled null or
// output agreement, so it never becomes a behaviour finding.
void add_signature_comparison(const act::ActivationSignature& base, const act::ActivationSignature& cand,
                              const std::string& label, const std::string& entry, AuditResult& r) {
    const act::SignatureComparison c = act::compare_signatures(base, cand);
    ActivationProfile p;
    p.base = label;
    for (std::size_t b = 0; b < c.b_to_a.size(); ++b) {
        const std::int32_t a = c.b_to_a[b];
        p.cka_diagonal.push_back(a < 0 ? 0.0 : c.cka_debiased[static_cast<std::size_t>(a) * c.cols + b]);
    }
    r.evidence.activations.push_back(std::move(p));
    char line[256];
    std::snprintf(line, sizeof line,
                  "activation signature: peak debiased CKA %.3f, mean %.3f along the layer alignment, "
                  "%lld shared corpus points (descriptive: no shuffled null)",
                  c.peak_cka, c.mean_cka, static_cast<long long>(c.shared_points));
    r.evidence.parameters.emplace_back("registry." + entry + ".activations", line);
}

}  // namespace

void add_registry_bases(const AuditOptions& o, const weights::Checkpoint& candidate,
                        const probes::weights::CompareOptions& compare_options,
                        reports::Language lang, const Progress& progress, AuditResult& r) {
    if (o.registries.empty()) return;
    auto say = [&](const std::string& s) {
        if (progress) progress(s);
    };
    // Validate every registry before the (long) comparisons start.
    std::vector<std::pair<std::string, std::vector<registry::EntryInfo>>> all;
    std::size_t total = 0;
    for (const auto& path : o.registries) {
        all.emplace_back(path, registry::list_entries(path));
        total += all.back().second.size();
    }
    std::unique_ptr<fpr::CandidateScreen> screen;  // the candidate's one summary pass, shared
    std::optional<act::ActivationSignature> candidate_signature;  // computed once, on first need
    std::size_t n = 0;
    for (const auto& [path, entries] : all) {
        for (const auto& info : entries) {
            const std::string label = info.name + " (fingerprint)";
            say(reports::format(lang, "cli.progress.base",
                                {label, std::to_string(++n), std::to_string(total)}));
            const fpr::Fingerprint fp = registry::read_entry(path, info.name);
            ModelRef m;
            m.label = label;
            m.path = path + "#" + info.name;
            m.digest = fp.source_digest;
            m.architecture = fp.architecture;
            m.parameters = fp.parameters;
            r.bases.push_back(m);
            r.evidence.parameters.emplace_back(
                "registry." + info.name,
                "conclusions from a fingerprint, not the checkpoint: " + m.path + " (source " +
                    fp.source_digest + ", made by lineage " + fp.tool_version + " at " +
                    fp.created_at + ", " + std::to_string(fp.sketch_dims) + "-dim sketch, " +
                    std::to_string(fp.anchor_ids.size()) + " anchor tokens)");

            const fpr::FingerprintFiles files(fp);
            if (auto f = architecture_finding(candidate.config(), files.config(), label))
                r.evidence.findings.push_back(*f);

            try {
                if (!screen) screen = std::make_unique<fpr::CandidateScreen>(o.candidate);
                const fpr::ScreenResult sr = screen->screen(fp, compare_options);
                add_weight_evidence(sr.result, label, r.evidence,
                                    compare_options.rule.token_agreement_max_fraction_independent);
                std::string notes;
                for (const auto& note : sr.notes) notes += (notes.empty() ? "" : "; ") + note;
                r.evidence.parameters.emplace_back("registry." + info.name + ".weights", notes);
            } catch (const UnsupportedError& e) {
                r.evidence.skipped.push_back({"weights", label, "audit.skip.failed", e.what()});
            }

            if (has_tokenizer(candidate) && files.has_tokenizer()) {
                say(reports::format(lang, "cli.progress.tokenizer", {label}));
                run_tokenizer_evidence(files.dir(), candidate.root(), label, r.evidence);
            } else {
                r.evidence.skipped.push_back({"tokenizer", label, "audit.skip.no_tokenizer", ""});
            }
            if (!fp.activations) {
                r.evidence.skipped.push_back(
                    {"activations", label, "audit.skip.not_built",
                     "This fingerprint holds no activation signature (layout 1, or its model could "
                     "not be run); audit with --base on the checkpoint for the behavioural comparison."});
            } else if (o.run_activations && has_tokenizer(candidate)) {
                try {
                    if (!candidate_signature)
                        candidate_signature = act::compute_signature(o.candidate, act::bundled_corpus(),
                                                                     signature_options(*fp.activations));
                    add_signature_comparison(*fp.activations, *candidate_signature, label, info.name, r);
                } catch (const Error& e) {
                    r.evidence.skipped.push_back({"activations", label, "audit.skip.failed", e.what()});
                }
            } else {
                r.evidence.skipped.push_back({"activations", label, "audit.skip.failed",
                                              o.run_activations ? "the candidate has no tokenizer"
                                                                : "activations not run (--no-activations)"});
            }
        }
    }
}

}  // namespace lineage::audit
