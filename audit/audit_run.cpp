// Orchestration of one audit (see the header): probes in order, skipped probes recorded, decision.
#include "audit/audit_run.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>

#include "audit/evidence/activation_evidence.h"
#include "audit/evidence/tokenizer_evidence.h"
#include "audit/evidence/weight_evidence.h"
#include "audit/registry/registry_audit.h"
#include "probes/activation/activation_probe.h"
#include "probes/tokenizer/tokenizer_probe.h"
#include "probes/weights/compare.h"
#include "reference_model/architecture/architecture.h"
#include "reports/render.h"
#include "weights/checkpoint.h"
#include "weights/core/error.h"
#include "weights/digest.h"

namespace lineage::audit {

namespace pw = probes::weights;

namespace {

ModelRef describe(const weights::Checkpoint& ckpt, const std::string& label,
                  const std::string& path) {
    ModelRef m;
    m.label = label;
    m.path = path;
    m.digest = "sha256:" + weights::content_digest(ckpt.tensors());
    if (ckpt.config()) m.architecture = ckpt.config()->architecture;
    for (const auto& t : ckpt.tensors()) m.parameters += static_cast<std::int64_t>(t.num_elements);
    return m;
}

}  // namespace

std::optional<Finding> architecture_finding(const std::optional<weights::ModelConfig>& candidate,
                                            const std::optional<weights::ModelConfig>& base,
                                            const std::string& base_label) {
    if (!candidate || !base) return std::nullopt;
    const weights::ModelConfig& a = *base;
    const weights::ModelConfig& b = *candidate;
    auto shape = [](const weights::ModelConfig& c) {
        return std::make_tuple(c.architecture, c.hidden_size, c.num_layers, c.num_heads,
                               c.num_kv_heads, c.head_dim, c.intermediate_size, c.vocab_size,
                               c.num_experts, c.moe_intermediate_size, c.rope_theta, c.norm_eps,
                               c.hidden_act, c.tie_word_embeddings);
    };
    Finding f;
    f.kind = FindingKind::architecture;
    f.base = base_label;
    if (shape(a) == shape(b)) {
        f.relation = "identical";
    } else if ((!a.architecture.empty() && a.architecture == b.architecture) ||
               (!a.model_type.empty() && a.model_type == b.model_type)) {
        f.relation = "same-family";
    } else {
        f.relation = "different";
    }
    f.evidence = b.architecture + " " + std::to_string(b.num_layers) + "x" +
                 std::to_string(b.hidden_size) + " vs " + a.architecture + " " +
                 std::to_string(a.num_layers) + "x" + std::to_string(a.hidden_size);
    return f;
}

namespace {

bool has_tokenizer(const weights::Checkpoint& c) {
    for (const char* name : {"tokenizer.json", "tokenizer.model", "tekken.json"}) {
        if (c.sibling(name)) return true;
    }
    return false;
}

// Why the reference transformer cannot run `c` (the activation probe's precondition), as a
// (message key, detail) pair for the report, or nullopt when it can. Checked before the probe
// starts so that the report names the class plainly instead of a caught error.
std::optional<std::pair<std::string, std::string>> not_runnable(const weights::Checkpoint& c,
                                                                const std::string& label) {
    if (!c.config()) return std::pair<std::string, std::string>{"audit.skip.no_config", label};
    const std::string& arch = c.config()->architecture;
    for (const auto& a : model::supported_architectures())
        if (a.name == arch) return std::nullopt;
    return std::pair<std::string, std::string>{
        "audit.skip.unsupported_class", (arch.empty() ? std::string("(none)") : arch) + " (" + label + ")"};
}

// Similar behaviour towards a base that some component of the candidate is judged derived from is
// explained by those weights; a "possible distillation" finding beside that derivation would
// mislead, so it is dropped after the first decision and the policy applied again (the CKA profile
// stays in the report). Returns whether anything was dropped.
bool drop_behaviour_explained_by_weights(AuditResult& r) {
    auto derived_from = [&](const std::string& base) {
        for (const ComponentVerdict& c : r.components)
            if (c.relation == reports::Relation::derived && c.source_base == base) return true;
        return false;
    };
    return std::erase_if(r.evidence.findings, [&](const Finding& f) {
               return f.kind == FindingKind::behaviour && f.relation == "similar" &&
                      derived_from(f.base);
           }) > 0;
}

}  // namespace


std::vector<std::string> model_labels(const std::vector<std::string>& paths) {
    std::vector<std::string> out;
    std::map<std::string, int> seen;
    for (const auto& p : paths) {
        std::filesystem::path path(p);
        while (!path.empty() && path.filename().empty()) path = path.parent_path();  // trailing '/'
        std::string label = path.filename().string();
        if (label.empty() || label == "." || label == "..") label = p;
        int n = ++seen[label];
        out.push_back(n == 1 ? label : label + "#" + std::to_string(n));
    }
    return out;
}

std::string generation_time() {
    std::time_t t = std::time(nullptr);
    if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH")) {
        char* end = nullptr;
        long long v = std::strtoll(epoch, &end, 10);
        if (end && *end == '\0' && v >= 0) t = static_cast<std::time_t>(v);
    }
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

AuditResult run_audit(const AuditOptions& o, reports::Language lang, const Progress& progress) {
    auto say = [&](const std::string& s) {
        if (progress) progress(s);
    };
    AuditResult r;
    r.command = o.command;
    r.generated_at = generation_time();
    r.policy = o.policy_path ? load_policy(*o.policy_path) : builtin_policy();

    std::vector<std::string> all{o.candidate};
    all.insert(all.end(), o.bases.begin(), o.bases.end());
    const std::vector<std::string> labels = model_labels(all);

    say(reports::format(lang, "cli.progress.candidate", {o.candidate}));
    const weights::Checkpoint candidate_ckpt = weights::Checkpoint::open(o.candidate);
    r.candidate = describe(candidate_ckpt, labels[0], o.candidate);
    const pw::CheckpointView candidate(o.candidate);
    r.evidence.candidate_components = components_of(candidate);

    pw::CompareOptions compare_options;
    compare_options.rule = pw::default_verdict_rule();
    compare_options.run_controls = o.run_controls;
    compare_options.seed = o.seed;
    r.evidence.parameters.emplace_back("weights.run_controls", o.run_controls ? "true" : "false");

    namespace act = probes::activation;
    const act::ProbeCorpus corpus = act::bundled_corpus();
    const act::VerdictRule act_rule = act::default_verdict_rule();
    const act::IndependentRanges act_ranges = act::default_null_ranges();
    r.evidence.parameters.emplace_back("activations.run", o.run_activations ? "true" : "false");

    for (std::size_t i = 0; i < o.bases.size(); ++i) {
        const std::string& path = o.bases[i];
        const std::string& label = labels[i + 1];
        say(reports::format(lang, "cli.progress.base",
                            {label, std::to_string(i + 1), std::to_string(o.bases.size())}));
        const weights::Checkpoint base_ckpt = weights::Checkpoint::open(path);
        r.bases.push_back(describe(base_ckpt, label, path));
        if (auto f = architecture_finding(candidate_ckpt.config(), base_ckpt.config(), label))
            r.evidence.findings.push_back(*f);

        try {
            const pw::CheckpointView base(path);
            const pw::CompareResult cr = pw::compare_models(base, candidate, compare_options);
            add_weight_evidence(cr, label, r.evidence,
                                compare_options.rule.token_agreement_max_fraction_independent);
        } catch (const UnsupportedError& e) {
            r.evidence.skipped.push_back({"weights", label, "audit.skip.weights_failed", e.what()});
        }

        if (has_tokenizer(candidate_ckpt) && has_tokenizer(base_ckpt)) {
            say(reports::format(lang, "cli.progress.tokenizer", {label}));
            run_tokenizer_evidence(base_ckpt.root(), candidate_ckpt.root(), label, r.evidence);
        } else {
            r.evidence.skipped.push_back({"tokenizer", label, "audit.skip.no_tokenizer", ""});
        }

        // Activations need both models runnable by the reference transformer and a tokenizer each.
        auto unrunnable = not_runnable(candidate_ckpt, labels[0]);
        if (!unrunnable) unrunnable = not_runnable(base_ckpt, label);
        if (o.run_activations && unrunnable) {
            r.evidence.skipped.push_back({"activations", label, unrunnable->first, unrunnable->second});
        } else if (o.run_activations && has_tokenizer(candidate_ckpt) && has_tokenizer(base_ckpt)) {
            say(reports::format(lang, "cli.progress.activations", {label}));
            try {
                const auto probe = act::run_activation_probe(path, o.candidate, corpus, act_rule,
                                                             act_ranges, act::ProbeOptions{});
                add_activation_evidence(probe, label, r.evidence);
            } catch (const UnsupportedError& e) {
                r.evidence.skipped.push_back({"activations", label, "audit.skip.failed", e.what()});
            }
        } else {
            r.evidence.skipped.push_back({"activations", label,
                                          o.run_activations ? "audit.skip.no_tokenizer"
                                                            : "audit.skip.disabled",
                                          ""});
        }
    }
    // Fingerprints from registries: more bases, their evidence computed from sketches.
    add_registry_bases(o, candidate_ckpt, compare_options, lang, progress, r);
    decide(r);
    if (drop_behaviour_explained_by_weights(r)) decide(r);
    return r;
}

void write_report_files(const reports::Report& report, const std::filesystem::path& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw InputError(dir.string(), "cannot create the report folder: " + ec.message());
    const std::pair<const char*, std::string> files[] = {
        {"report.json", reports::render_json(report)},
        {"report.md", reports::render_markdown(report)},
        {"report.html", reports::render_html(report)},
    };
    for (const auto& [name, text] : files) {
        const std::filesystem::path final_path = dir / name;
        const std::filesystem::path temp =
            dir / ("." + std::string(name) + ".tmp-" + std::to_string(::getpid()));
        {
            std::ofstream out(temp, std::ios::binary | std::ios::trunc);
            out.write(text.data(), static_cast<std::streamsize>(text.size()));
            out.flush();
            if (!out) {
                std::filesystem::remove(temp, ec);
                throw InputError(temp.string(),
                                 "cannot write the report (disk full or no permission?)");
            }
        }
        std::filesystem::rename(temp, final_path, ec);
        if (ec) {
            const std::string why = ec.message();
            std::filesystem::remove(temp, ec);
            throw InputError(final_path.string(), "cannot move the report into place: " + why);
        }
    }
}

}  // namespace lineage::audit
