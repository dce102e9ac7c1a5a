// Orchestration of one checkpoint-chain audit (see the header).
#include "audit/chain/chain_run.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "audit/chain/chain_decide.h"
#include "audit/chain/checkpoint_pass.h"
#include "audit/registry/registry_file.h"
#include "probes/fingerprint/screen.h"
#include "probes/weights/compare.h"
#include "probes/weights/link_probe.h"
#include "reports/number_format.h"
#include "weights/checkpoint.h"
#include "weights/core/error.h"
#include "weights/digest.h"

namespace lineage::audit {
namespace {

namespace pw = probes::weights;

ProbeRelation relation_of(const pw::CompareResult& c) {
    ProbeRelation r;
    r.verdict = pw::verdict_name(c.verdict);
    r.neg_log10_p = c.neg_log10_p;
    r.neuron_neg_log10_p = c.neuron_neg_log10_p;
    r.attention_neg_log10_p = c.attention_neg_log10_p;
    r.exact_reuse = c.exact_reuse;
    r.controls_run = c.controls_run;
    for (const auto& ctl : c.controls) {
        ++r.controls_total;
        r.controls_detected += ctl.detected ? 1 : 0;
    }
    r.note = c.summary;
    return r;
}

// Two checkpoints whose tensors cannot pair at all are not one run: a different architecture
// class, or no tensor of the same name and shape.
std::string incompatibility(const weights::Checkpoint& a, const weights::Checkpoint& b) {
    const std::string arch_a = a.config() ? a.config()->architecture : "";
    const std::string arch_b = b.config() ? b.config()->architecture : "";
    if (!arch_a.empty() && !arch_b.empty() && arch_a != arch_b)
        return "architecture " + arch_a + " vs " + arch_b;
    std::set<std::pair<std::string, std::vector<std::int64_t>>> shapes;
    for (const auto& t : a.tensors()) shapes.emplace(t.name, t.shape);
    for (const auto& t : b.tensors())
        if (shapes.count({t.name, t.shape})) return "";
    return "no tensor of the same name and shape";
}

struct Base {
    ChainBase ref;
    CheckpointPass pass;  // summary and digest from one read
};

ProbeRelation compare_pair(const weights::Checkpoint& ca, const pw::ModelView& a,
                           const pw::WeightSummary& sa, const weights::Checkpoint& cb,
                           const pw::ModelView& b, const pw::WeightSummary& sb,
                           pw::CompareOptions options, bool same_run) {
    // Checkpoints of one run share their tensors; a base may be of another class (the probe
    // pairs tensors by role across classes), so only links are checked for this.
    if (const std::string why = same_run ? incompatibility(ca, cb) : ""; !why.empty()) {
        ProbeRelation r;
        r.verdict = "incompatible";
        r.note = why;
        return r;
    }
    try {
        return relation_of(pw::compare_models(a, sa, b, sb, options));
    } catch (const UnsupportedError& e) {
        ProbeRelation r;
        r.verdict = "not-compared";
        r.note = e.what();
        return r;
    }
}

ProbeRelation relation_of_link(const pw::LinkProbeResult& l) {
    ProbeRelation r;
    r.verdict = "derived";
    r.neg_log10_p = l.neg_log10_p;
    r.neuron_neg_log10_p = l.neuron_neg_log10_p;
    r.attention_neg_log10_p = l.attention_neg_log10_p;
    r.note = l.summary;
    r.probe = "link";
    return r;
}

// One link (from, to): the link probe first, unless `link` is null; where it does not show
// dependence, the full probe without controls, and with them where that is inconclusive (only
// the positive controls can show that the probe would have seen a derivation there, so a break
// is confirmed with them).
// `layers_shown` / `layers_tested`: the link probe's layers each beyond both thresholds on its own
// (left unchanged when the link probe did not decide the link).
ProbeRelation link_relation(const CheckpointPass& from, const CheckpointPass& to,
                            const pw::LinkProbeOptions* link, const pw::CompareOptions& full,
                            const pw::CompareOptions& controls, int& layers_shown,
                            int& layers_tested) {
    if (link && incompatibility(*from.ckpt, *to.ckpt).empty()) {
        try {
            const pw::LinkProbeResult l = pw::probe_link(*from.view, *to.view, *link);
            if (l.dependent) {
                // One layer's own evidence at the full probe's thresholds: a layer replaced by
                // another model's (independent of its predecessor's layer) passes with probability
                // below 10^-neuron_threshold, so a splice of any layer is seen here.
                layers_tested = static_cast<int>(l.layers.size());
                layers_shown = 0;
                for (const auto& ly : l.layers)
                    layers_shown += ly.neuron_neg_log10_p >= link->rule.neuron_threshold() &&
                                    ly.dims > 0 &&
                                    -std::log10(ly.cka_p) >= link->rule.attention_corroboration_neg_log10_p;
                return relation_of_link(l);
            }
        } catch (const UnsupportedError&) {
            // the full probe says why
        }
    }
    ProbeRelation r = compare_pair(*from.ckpt, *from.view, from.summary, *to.ckpt, *to.view,
                                   to.summary, full, true);
    if (r.verdict == "inconclusive")
        r = compare_pair(*from.ckpt, *from.view, from.summary, *to.ckpt, *to.view, to.summary,
                         controls, true);
    return r;
}

// Tensors of `b` whose sampled values do not continue `a`'s:
//  - replaced: the cosine of the same sampled elements is within 5 sd of 0 (sd 1/sqrt(n) for
//    unrelated zero-mean values), as when a tensor is replaced by another model's;
//  - jumped: its drift (1 - cosine) is beyond kJumpDrift and kJumpOverMedian times the link's
//    median tensor drift, as when a tensor is merged with another model's (a 50/50 merge with an
//    unrelated tensor drifts ~0.29 in one step while training moves every tensor alike; early
//    links, where every tensor moves far, raise the median and so the bar).
// Tensors with fewer than 64 samples are not tested; tensors of constant sign (norm gains) always
// continue (their cosine is near 1 whatever their source).
std::vector<std::string> components_not_continued(const ChainSketch& a, const ChainSketch& b) {
    constexpr double kJumpDrift = 0.2, kJumpOverMedian = 10.0;
    std::vector<std::pair<std::string, double>> cosines;
    std::vector<std::string> out;
    for (const auto& [name, va] : a.samples) {
        const auto it = b.samples.find(name);
        if (it == b.samples.end() || a.sizes.at(name) != b.sizes.at(name) || va.size() < 64) continue;
        const auto& vb = it->second;
        double ab = 0.0, aa = 0.0, bb = 0.0;
        for (std::size_t k = 0; k < va.size() && k < vb.size(); ++k) {
            ab += static_cast<double>(va[k]) * vb[k];
            aa += static_cast<double>(va[k]) * va[k];
            bb += static_cast<double>(vb[k]) * vb[k];
        }
        if (!(aa > 0.0) || !(bb > 0.0)) continue;
        const double cosine = ab / std::sqrt(aa * bb);
        if (cosine < 5.0 / std::sqrt(static_cast<double>(va.size()))) out.push_back(name);
        else cosines.emplace_back(name, cosine);
    }
    if (cosines.empty()) return out;
    std::vector<double> drift;
    for (const auto& c : cosines) drift.push_back(1.0 - c.second);
    std::nth_element(drift.begin(), drift.begin() + drift.size() / 2, drift.end());
    const double bar = std::max(kJumpDrift, kJumpOverMedian * drift[drift.size() / 2]);
    for (const auto& [name, cosine] : cosines)
        if (1.0 - cosine > bar) out.push_back(name);
    std::sort(out.begin(), out.end());
    return out;
}

bool all_independent(const std::vector<ProbeRelation>& rel) {
    for (const auto& p : rel)
        if (p.verdict != "independent") return false;
    return true;
}

// True when `a` and the checkpoint at `b_path` are the same files on disk (the submitted model given
// as the final checkpoint's folder), so the final checkpoint's digest stands for both.
bool same_files(const weights::Checkpoint& a, const std::string& b_path) {
    const weights::Checkpoint b = weights::Checkpoint::open(b_path);
    if (a.files().size() != b.files().size()) return false;
    std::error_code ec;
    for (std::size_t i = 0; i < a.files().size(); ++i)
        if (!std::filesystem::equivalent(a.files()[i], b.files()[i], ec) || ec) return false;
    return true;
}

}  // namespace

ChainResult run_chain(const ChainOptions& o, reports::Language lang, const Progress& progress) {
    const auto t0 = std::chrono::steady_clock::now();
    auto say = [&](const std::string& s) {
        if (progress) progress(s);
    };
    const ChainManifest& m = o.manifest;
    validate_chain(m, m.source);
    ChainResult r;
    r.command = o.command;
    r.generated_at = generation_time();
    r.manifest_source = m.source;
    r.steps_from_positions = m.steps_from_positions;
    r.last_step_inferred = m.last_step_inferred;
    r.tokens_given = m.checkpoints.front().tokens_seen.has_value();

    const pw::InitialisationRule init_rule = pw::default_initialisation_rule();
    const ChainRule chain_rule = default_chain_rule();
    pw::CompareOptions link_options;
    link_options.rule = pw::default_verdict_rule();
    link_options.seed = o.seed;
    link_options.run_controls = false;
    pw::CompareOptions control_options = link_options;
    control_options.run_controls = true;
    const std::uint64_t sketch_seed = o.seed.value_or(init_rule.seed);
    pw::LinkProbeOptions link_probe;
    link_probe.rule = link_options.rule;
    link_probe.seed = o.seed;

    // Labels: checkpoints first, then bases (model_labels makes repeats unique).
    std::vector<std::string> paths;
    for (const auto& e : m.checkpoints) paths.push_back(e.path);
    paths.insert(paths.end(), o.bases.begin(), o.bases.end());
    const std::vector<std::string> labels = model_labels(paths);

    // Bases: opened and summarised once.
    std::vector<Base> bases;
    for (std::size_t b = 0; b < o.bases.size(); ++b) {
        say(reports::format(lang, "cli.progress.chain_base",
                            {labels[m.checkpoints.size() + b], std::to_string(b + 1),
                             std::to_string(o.bases.size())}));
        Base base{{labels[m.checkpoints.size() + b], o.bases[b], ""}, read_base_once(o.bases[b])};
        base.ref.digest = base.pass.digest;
        r.bases.push_back(base.ref);
        bases.push_back(std::move(base));
    }

    // Each checkpoint is read by one pass (checkpoint_pass.h) and kept, summary and sketch, until
    // its successor's link is done: the pass of checkpoint k serves link (k-1, k), its bases and
    // link (k, k+1).
    std::optional<CheckpointPass> prev_pass;
    ChainSketch first_sketch;
    bool carry_holds = true;  // every checkpoint so far independent of every base, or carried
    for (std::size_t i = 0; i < m.checkpoints.size(); ++i) {
        const ChainEntry& e = m.checkpoints[i];
        say(reports::format(lang, "cli.progress.chain_checkpoint",
                            {labels[i], std::to_string(e.step), std::to_string(i + 1),
                             std::to_string(m.checkpoints.size())}));
        CheckpointPass pass =
            read_checkpoint_once(e.path, init_rule, o.samples_per_tensor, sketch_seed);
        const weights::Checkpoint& ckpt = *pass.ckpt;
        ChainCheckpoint c;
        c.entry = e;
        c.label = labels[i];
        c.digest = pass.digest;
        if (ckpt.config()) c.architecture = ckpt.config()->architecture;
        for (const auto& t : ckpt.tensors()) c.parameters += static_cast<std::int64_t>(t.num_elements);
        c.spectral_ratio = pass.median_spectral_ratio;
        if (i == 0) {
            first_sketch = pass.sketch;
            r.origin.init = pw::judge_initialisation(pass.init_stats, pass.scheme, init_rule);
        }
        c.distance_from_start = i == 0 ? 0.0 : relative_distance(first_sketch, pass.sketch);

        if (i > 0) {
            say(reports::format(lang, "cli.progress.chain_link",
                                {std::to_string(e.step), std::to_string(m.checkpoints[i - 1].step)}));
            ChainLink link;
            link.from = i - 1;
            link.to = i;
            link.dependence = link_relation(*prev_pass, pass, o.full_links ? nullptr : &link_probe,
                                            link_options, control_options, link.layers_shown,
                                            link.layers_tested);
            link.step_distance = relative_distance(prev_pass->sketch, pass.sketch);
            link.components_not_continued = components_not_continued(prev_pass->sketch, pass.sketch);
            if (r.tokens_given)
                link.tokens = *e.tokens_seen - *m.checkpoints[i - 1].tokens_seen;
            else
                link.tokens = e.step - m.checkpoints[i - 1].step;
            const double per = r.tokens_given ? 1e6 : 1e3;
            link.drift_rate =
                link.tokens > 0 ? link.step_distance / (static_cast<double>(link.tokens) / per) : 0.0;
            r.links.push_back(std::move(link));
        }

        // Base comparisons: the origin always; a later checkpoint where continuity does not
        // carry the origin's independence to it (see ChainOptions::base_comparisons).
        bool compare_bases = i == 0 || o.base_comparisons == ChainOptions::BaseComparisons::every;
        if (i > 0 && !bases.empty() && !compare_bases) {
            const ChainLink& link = r.links.back();
            const bool whole = link.dependence.probe == "link" && link.layers_tested > 0 &&
                               link.layers_shown == link.layers_tested &&
                               link.components_not_continued.empty();
            if (o.base_comparisons == ChainOptions::BaseComparisons::origin_only)
                c.bases_skipped = "origin-only";
            else if (whole && carry_holds)
                c.bases_skipped = "carried";
            else
                compare_bases = true;
        }
        if (compare_bases) {
            for (std::size_t b = 0; b < bases.size(); ++b) {
                say(reports::format(lang, "cli.progress.chain_vs_base",
                                    {labels[i], bases[b].ref.label}));
                const CheckpointPass& bp = bases[b].pass;
                ProbeRelation rel = compare_pair(*bp.ckpt, *bp.view, bp.summary, ckpt, *pass.view,
                                                 pass.summary, i == 0 ? control_options : link_options,
                                                 false);
                // Independence of a later checkpoint needs the controls' power too.
                if (i > 0 && rel.verdict == "inconclusive")
                    rel = compare_pair(*bp.ckpt, *bp.view, bp.summary, ckpt, *pass.view, pass.summary,
                                       control_options, false);
                c.bases.push_back(std::move(rel));
            }
            // Independence is established here (and carried on) only when every base is
            // independent; once it is not, every later checkpoint is compared.
            carry_holds = carry_holds && all_independent(c.bases);
        }
        if (i > 0 && r.links.back().dependence.verdict != "derived") carry_holds = false;
        r.checkpoints.push_back(std::move(c));
        if (prev_pass) r.checkpoints[i - 1].reads = prev_pass->reads();  // its last use is done
        prev_pass.reset();
        prev_pass.emplace(std::move(pass));
    }
    if (prev_pass) r.checkpoints.back().reads = prev_pass->reads();
    prev_pass.reset();
    for (std::size_t b = 0; b < bases.size(); ++b) r.bases[b].reads = bases[b].pass.reads();

    // Registry entries: bases of the origin, screened through their fingerprints (after the
    // checkpoint bases, so that every checkpoint's relations keep the order of r.bases).
    if (!o.registries.empty()) {
        std::unique_ptr<probes::fingerprint::CandidateScreen> screen;
        for (const auto& path : o.registries) {
            for (const auto& info : registry::list_entries(path)) {
                const std::string label = info.name + " (fingerprint)";
                say(reports::format(lang, "cli.progress.chain_vs_base", {labels[0], label}));
                const auto fp = registry::read_entry(path, info.name);
                r.bases.push_back({label, path + "#" + info.name, fp.source_digest, true, {}});
                ProbeRelation rel;
                try {
                    if (!screen)
                        screen = std::make_unique<probes::fingerprint::CandidateScreen>(
                            m.checkpoints.front().path);
                    rel = relation_of(screen->compare(fp, control_options).result);
                    rel.note = "from fingerprint: " + rel.note;
                } catch (const UnsupportedError& e) {
                    rel.verdict = "not-compared";
                    rel.note = e.what();
                }
                r.checkpoints.front().bases.resize(r.bases.size() - 1);
                r.checkpoints.front().bases.push_back(rel);
            }
        }
    }

    r.binding.final_digest = r.checkpoints.back().digest;
    if (o.submitted) {
        const weights::Checkpoint s = weights::Checkpoint::open(*o.submitted);
        r.binding.submitted_path = *o.submitted;
        // The final checkpoint's own files were hashed by its pass; another copy is hashed here.
        r.binding.submitted_digest =
            same_files(s, m.checkpoints.back().path)
                ? r.binding.final_digest
                : "sha256:" + weights::content_digest(s.tensors());
        r.binding.status = r.binding.submitted_digest == r.binding.final_digest
                               ? BindingStatus::bound
                               : BindingStatus::not_bound;
    }

    decide_chain(r, chain_rule);

    r.parameters = {
        {"chain.samples_per_tensor", std::to_string(o.samples_per_tensor)},
        {"chain.base_comparisons",
         o.base_comparisons == ChainOptions::BaseComparisons::every ? "every checkpoint"
         : o.base_comparisons == ChainOptions::BaseComparisons::origin_only
             ? "origin only"
             : "origin, and each later checkpoint that continuity does not carry (every layer "
               "shown by the link probe and every sampled tensor continued)"},
        {"chain.rule", chain_rule.source},
        {"chain.backtrack_tolerance", reports::json_number(chain_rule.backtrack_tolerance)},
        {"chain.drift_rate_factor", reports::json_number(chain_rule.drift_rate_factor)},
        {"chain.min_links_for_rate", std::to_string(chain_rule.min_links_for_rate)},
        {"init.rule", init_rule.source},
        {"init.std_ratio_range", reports::json_number(init_rule.std_ratio_lo) + ".." +
                                     reports::json_number(init_rule.std_ratio_hi)},
        {"init.null_draws", std::to_string(init_rule.null_draws)},
        {"init.null_margin", reports::json_number(init_rule.null_margin)},
        {"weights.rule", link_options.rule.source},
        {"weights.links_run_controls", "only when not derived"},
    };
    if (o.full_links) {
        r.parameters.emplace_back("weights.links", "full weight probe on every link");
    } else {
        int by_link_probe = 0;
        for (const auto& l : r.links) by_link_probe += l.dependence.probe == "link";
        r.parameters.emplace_back(
            "weights.links",
            "link probe first (stored bases, layer l vs l, " + std::to_string(link_probe.neuron_rows) +
                " neurons per MLP block, " + std::to_string(link_probe.cka_shuffles) + " CKA shuffles over " +
                std::to_string(link_probe.cka_dims) + " input dims), the full probe where it does not "
                "show dependence; " + std::to_string(by_link_probe) + " of " + std::to_string(r.links.size()) +
                " links shown dependent by the link probe");
    }
    for (const auto& path : o.registries)
        r.parameters.emplace_back("chain.registry", path + " (bases of the origin, from fingerprints)");
    r.seeds = {{"chain.sketch", sketch_seed},
               {"init.nulls", init_rule.seed},
               {"weights", o.seed.value_or(link_options.rule.seed)}};
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

}  // namespace lineage::audit
