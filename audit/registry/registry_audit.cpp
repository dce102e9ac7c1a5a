// Registry entries as audit bases (see registry_audit.h).
#include "audit/registry/registry_audit.h"

#include <memory>

#include "audit/evidence/tokenizer_evidence.h"
#include "audit/evidence/weight_evidence.h"
#include "audit/registry/registry_file.h"
#include "probes/fingerprint/fingerprint_files.h"
#include "probes/fingerprint/screen.h"
#include "probes/tokenizer/tokenizer_probe.h"
#include "weights/checkpoint.h"
#include "weights/core/error.h"

namespace lineage::audit {

namespace fpr = probes::fingerprint;

namespace {

bool has_tokenizer(const weights::Checkpoint& c) {
    for (const char* name : {"tokenizer.json", "tokenizer.model", "tekken.json"})
        if (c.sibling(name)) return true;
    return false;
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
                const fpr::ScreenResult sr = screen->compare(fp, compare_options);
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
            r.evidence.skipped.push_back(
                {"activations", label, "audit.skip.not_built",
                 "Fingerprints (registry layout 1) hold no activation signatures; audit with --base "
                 "on the checkpoint for the behavioural comparison."});
        }
    }
}

}  // namespace lineage::audit
