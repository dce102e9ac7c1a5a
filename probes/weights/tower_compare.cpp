// Tower-by-tower weight comparison (see tower_compare.h).
#include "probes/weights/tower_compare.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include "probes/stats/correlation.h"
#include "probes/stats/distributions.h"
#include "probes/stats/random.h"
#include "probes/stats/thread_pool.h"
#include "probes/weights/direct_statistics.h"
#include "probes/weights/tower_compare_matching.h"

namespace lineage::probes::weights {
namespace {

using lineage::weights::classify_tensor;
using lineage::weights::tower_relative_name;

// Vectors and tiny tensors (norm gains, biases, class tokens) carry too few values for the
// shuffle null to separate copies from chance; they are reported by exact reuse only.
constexpr std::int64_t kMinElements = 256;
// The rotation control's noise, relative to rule.control_noise_relative_std (the language
// model's rotation control uses half the fine-tune noise too: positive_controls.cpp).
constexpr double kRotationControlNoise = 0.5;

bool comparable(const TensorRef& t) { return !t.role.is_bias && t.rows() >= 2 && t.elements() >= kMinElements; }

struct Pearson {
    double r = 0.0, neg_log10_p = 0.0;
};

// Centred Pearson and its one-sided shuffle-null p (exact permutation moments, normal tail).
Pearson pearson_test(const MatrixF& a, const MatrixF& b) {
    const std::span<const float> va(a.data(), static_cast<std::size_t>(a.size()));
    const std::span<const float> vb(b.data(), static_cast<std::size_t>(b.size()));
    Pearson p;
    p.r = stats::pearson(va, vb);
    if (!std::isfinite(p.r)) p.r = 0.0;
    p.neg_log10_p = stats::neg_log10(stats::log_normal_sf(p.r * std::sqrt(static_cast<double>(a.size()) - 1)));
    return p;
}

bool beyond(const Pearson& p, const VerdictRule& rule) {
    return p.neg_log10_p >= rule.derived_neg_log10_p && p.r >= rule.pearson_min_effect;
}

struct PairJob {
    const TensorRef* a;
    const TensorRef* b;
};

// The pair the tower's hidden map is read from (tower_compare_matching.h): outside the blocks,
// one axis the tower's width and the other not; the largest such pair. nullptr when none.
const PairJob* map_anchor(const std::vector<PairJob>& jobs, std::int64_t width) {
    const PairJob* best = nullptr;
    for (const auto& j : jobs) {
        if (j.b->role.layer >= 0 || width <= 0 || j.b->shape.size() < 2) continue;
        if ((j.b->rows() == width) == (j.b->cols() == width)) continue;
        if (!best || j.b->elements() > best->b->elements()) best = &j;
    }
    return best;
}

// The permutation-robust pass over a tower's pairs when the direct Pearson found nothing: the
// tower's hidden map from its input tensor, then neuron matching for every pair in its blocks. Appends
// its statistics (family "neuron_matching"; the map's own as descriptive) and updates the blocks.
// Returns the number of tests that count and whether any is beyond the derived threshold.
struct MatchingPass {
    int tests = 0;
    bool any_beyond = false;
    double best_neg_log10_p = 0.0;
    std::string map_note;
    TowerHiddenMap map;  // the tower's hidden map (a projector uses its vision tower's)
    std::int64_t width = 0;
    const PairJob* anchor = nullptr;
    bool projector = false;  // matched as a projector (no blocks: its intermediate neurons)
};

std::string map_note(const TowerHiddenMap& map) {
    if (!map.recovered) return "hidden map: not recovered";
    if (map.rotation()) return "hidden map: rotation (held-out orthogonal Procrustes fit " +
                               std::to_string(map.rotation_fit).substr(0, 5) + ")";
    return map.identity() ? "hidden map: identity" : "hidden map: signed permutation";
}

// The tower's width and its hidden map from its anchor (appending the map's descriptive statistic).
void read_hidden_map(const PairContext& ctx, const std::string& tower, const std::vector<PairJob>& jobs,
                     std::uint64_t seed, std::vector<ComponentStat>& stats, MatchingPass& pass) {
    std::vector<const TensorRef*> tower_b;
    for (const auto& t : ctx.b.tensors())
        if (t.role.tower == tower) tower_b.push_back(&t);
    pass.width = tower_width(tower_b);
    pass.anchor = map_anchor(jobs, pass.width);
    if (!pass.anchor) {
        pass.map_note = "hidden map: no input tensor to read it from";
        return;
    }
    const PairJob* anchor = pass.anchor;
    stats::Rng rng(seed);
    TowerHiddenMap& map = pass.map;
    map = tower_hidden_map(ctx.a.read(*anchor->a), ctx.b.read(*anchor->b), anchor->b->rows() == pass.width,
                           ctx.rule, rng);
    map.anchor = std::string(tower_relative_name(anchor->b->name));
    ComponentStat c;
    c.family = "neuron_matching";
    c.component = std::string(lineage::weights::role_name(anchor->b->role.role));
    c.layer_a = anchor->a->role.layer, c.layer_b = anchor->b->role.layer;
    if (map.rotation()) {
        c.statistic = "tower hidden map fit (" + tower + " tower: " + map.anchor +
                      ", held-out orthogonal Procrustes, mean column correlation)";
        c.value = map.rotation_fit;
        c.null_lo = map.null_mean, c.null_hi = map.rotation_null_max;
        c.null_kind = "held-out fit with A's fixed axis shuffled (4 draws)";
    } else {
        c.statistic = "tower hidden map fit (" + tower + " tower: " + map.anchor + ", one-to-one |correlation|)";
        c.value = map.fit;
        c.null_lo = c.null_hi = map.null_mean;
        c.null_kind = "fit with A's fixed axis shuffled";
    }
    c.neg_log10_p = map.neg_log10_p;
    c.descriptive = true;  // input filters converge between independent encoders: context only
    stats.push_back(c);
    pass.map_note = map_note(map);
}

// The permutation-robust pass. A tower with blocks: its hidden map, then neuron matching of every
// block pair through it. A projector (no blocks): its intermediate neurons matched with the input
// columns in the vision tower's basis (`vision`, when that tower's map was recovered), on
// column-standardised vectors (tower_compare_matching.h, step 4) - mergers trained on one copied
// tower share its per-feature scales, and element by element such independently initialised
// mergers already reach -log10 p 79 at an effect below 0.2 (zoo VA vs VB-tower, an earlier build).
MatchingPass matching_pass(const PairContext& ctx, const std::string& tower, const std::vector<PairJob>& jobs,
                           std::uint64_t seed, const MatchingPass* vision, std::vector<ComponentStat>& stats,
                           std::map<int, TowerBlock>& blocks) {
    MatchingPass pass;
    std::vector<const PairJob*> todo;
    for (const auto& j : jobs)
        if (j.b->role.layer >= 0) todo.push_back(&j);
    const bool projector = todo.empty();
    pass.projector = projector;
    if (projector) {
        for (const auto& j : jobs) todo.push_back(&j);
        if (vision) pass.map = vision->map, pass.width = vision->width;
        pass.map_note = vision && vision->map.recovered ? "inputs through the vision tower's " + vision->map_note
                                                        : "inputs in the stored vision basis";
    } else {
        read_hidden_map(ctx, tower, jobs, seed, stats, pass);
    }
    const TowerHiddenMap& map = pass.map;
    const std::int64_t width = pass.width;

    std::vector<MatchingTest> results(todo.size());
    stats::parallel_for(todo.size(), [&](std::size_t k) {
        stats::Rng rng(seed + 1 + k);
        const MatrixF a = ctx.a.read(*todo[k]->a), b = ctx.b.read(*todo[k]->b);
        results[k] = projector ? projector_matching_test(a, b, map, width, rng) : neuron_matching_test(a, b, map, width, rng);
    });
    for (std::size_t k = 0; k < todo.size(); ++k) {
        const MatchingTest& t = results[k];
        const double se = std::max(t.null_sd, 1e-6) / std::sqrt(static_cast<double>(std::max<std::int64_t>(1, t.vectors)));
        ComponentStat c;
        c.family = "neuron_matching";
        c.statistic = std::string(projector ? "intermediate neuron matching (" : "neuron matching (") + tower +
                      " tower: " + std::string(tower_relative_name(todo[k]->b->name)) + ", " +
                      (t.rows ? "rows" : "columns") + "; " + pass.map_note + ")";
        c.component = std::string(lineage::weights::role_name(todo[k]->b->role.role));
        c.layer_a = todo[k]->a->role.layer, c.layer_b = todo[k]->b->role.layer;
        c.value = t.statistic;
        c.neg_log10_p = t.neg_log10_p;
        c.null_lo = t.null_mean - 4.753 * se;
        c.null_hi = t.null_mean + 4.753 * se;
        c.null_kind = std::string("mean best |correlation| with A's coordinates shuffled (normal approximation") +
                      (projector ? "; coordinates standardised across the vectors)" : ")");
        c.beyond_null = matching_beyond(t, ctx.rule);
        // Matches with an effect below the rule's minimum are convergence, not copying, where the
        // vectors share a basis without a copy: a projector's rows resemble A's slightly when
        // mergers were trained on one tower's features (zoo VA vs VB-tower: -log10 p 52 at an
        // effect of 0.05 even with standardised coordinates), and a rotation fitted to the
        // convergent input filters of two independent encoders aligns their blocks slightly
        // (zoo VA vs VB-indep: held-out fit 0.60, -log10 p up to 32 at effects below 0.1; a
        // rotated copy: fit 0.99, effects above 0.5). Reported, never counted.
        if ((projector || map.rotation()) && t.statistic - t.null_mean < ctx.rule.pearson_min_effect) {
            c.descriptive = true;
            c.null_kind += projector ? "; effect below the rule's minimum: the convergence of mergers on one "
                                       "tower's features, reported only"
                                     : "; effect below the rule's minimum: convergent features aligned by the "
                                       "rotation, reported only";
            stats.push_back(c);
            continue;
        }
        stats.push_back(c);
        ++pass.tests;
        pass.any_beyond = pass.any_beyond || c.beyond_null;
        pass.best_neg_log10_p = std::max(pass.best_neg_log10_p, t.neg_log10_p);
        TowerBlock& b = blocks[todo[k]->b->role.layer];
        b.block = todo[k]->b->role.layer;
        b.max_neg_log10_p = std::max(b.max_neg_log10_p, t.neg_log10_p);
    }
    return pass;
}

// The tower of an exact-reuse statistic's B tensor ("nameA = nameB" / "nameA ~ nameB"), "" for
// the language model.
std::string tower_of_exact(const ComponentStat& s) {
    for (std::string_view sep : {" = ", " ~ "}) {
        const auto pos = s.component.find(sep);
        if (pos != std::string::npos) return classify_tensor(s.component.substr(pos + sep.size())).tower;
    }
    return {};
}

}  // namespace

bool exact_reuse_in_language_model(const std::vector<ComponentStat>& stats) {
    for (const auto& s : stats)
        if (s.family == "exact_reuse" && s.beyond_null && tower_of_exact(s).empty()) return true;
    return false;
}

std::vector<TowerOutcome> compare_towers(const PairContext& ctx, std::uint64_t seed,
                                         std::vector<ComponentStat>& stats) {
    const VerdictRule& rule = ctx.rule;
    std::set<std::string> towers;
    for (const auto* view : {&ctx.a, &ctx.b})
        for (const auto& t : view->tensors())
            if (!t.role.tower.empty()) towers.insert(t.role.tower);

    std::set<std::string> exact_towers;
    for (const auto& s : stats)
        if (s.family == "exact_reuse" && s.beyond_null)
            if (auto t = tower_of_exact(s); !t.empty()) exact_towers.insert(t);

    // The vision tower first: a projector reads its features, so matches through its hidden map.
    std::vector<std::string> order(towers.begin(), towers.end());
    std::stable_partition(order.begin(), order.end(), [](const std::string& t) { return t == "vision"; });
    std::optional<MatchingPass> vision_pass;

    std::vector<TowerOutcome> out;
    for (const auto& tower : order) {
        TowerOutcome o;
        o.tower = tower;
        o.exact_reuse = exact_towers.count(tower) > 0;
        std::map<std::string, const TensorRef*, std::less<>> in_a;
        for (const auto& t : ctx.a.tensors()) {
            if (t.role.tower != tower) continue;
            ++o.tensors_a;
            if (comparable(t)) in_a.emplace(std::string(tower_relative_name(t.name)), &t);
        }
        std::vector<PairJob> jobs;
        for (const auto& t : ctx.b.tensors()) {
            if (t.role.tower != tower) continue;
            ++o.tensors_b;
            if (!comparable(t)) continue;
            const auto it = in_a.find(tower_relative_name(t.name));
            if (it != in_a.end() && it->second->shape == t.shape) jobs.push_back({it->second, &t});
        }
        o.pairs = static_cast<std::int64_t>(jobs.size());

        std::vector<Pearson> results(jobs.size());
        stats::parallel_for(jobs.size(), [&](std::size_t k) {
            results[k] = pearson_test(ctx.a.read(*jobs[k].a), ctx.b.read(*jobs[k].b));
        });

        const double n_pairs = std::max<double>(1.0, static_cast<double>(jobs.size()));
        double best = 0.0;
        bool any_beyond = false;
        std::map<int, TowerBlock> blocks;
        std::vector<double> rs;
        for (std::size_t k = 0; k < jobs.size(); ++k) {
            const Pearson& p = results[k];
            ComponentStat c;
            c.family = "pearson";
            c.statistic = "pearson_centred (" + tower + " tower: " +
                          std::string(tower_relative_name(jobs[k].b->name)) + ")";
            c.component = std::string(lineage::weights::role_name(jobs[k].b->role.role));
            c.layer_a = jobs[k].a->role.layer, c.layer_b = jobs[k].b->role.layer;
            c.value = p.r;
            c.neg_log10_p = p.neg_log10_p;
            c.null_hi = shuffle_null_half_width(static_cast<double>(jobs[k].b->elements()));
            c.null_lo = -c.null_hi;
            c.null_kind = "shuffle null (exact permutation moments, normal tail)";
            c.beyond_null = beyond(p, rule);
            stats.push_back(c);

            any_beyond = any_beyond || c.beyond_null;
            best = std::max(best, p.neg_log10_p);
            rs.push_back(p.r);
            TowerBlock& b = blocks[jobs[k].b->role.layer];
            b.block = jobs[k].b->role.layer;
            ++b.pairs;
            b.max_pearson = b.pairs == 1 ? p.r : std::max(b.max_pearson, p.r);
            b.max_neg_log10_p = std::max(b.max_neg_log10_p, p.neg_log10_p);
        }
        // Nothing lines up element by element: look again, robust to permuted hidden units.
        MatchingPass matching;
        if (!o.exact_reuse && !any_beyond && !jobs.empty()) {
            matching = matching_pass(ctx, tower, jobs, seed + 7919, vision_pass ? &*vision_pass : nullptr, stats, blocks);
            if (tower == "vision") vision_pass = matching, vision_pass->anchor = nullptr;
        }
        for (auto& [_, b] : blocks) o.blocks.push_back(b);
        o.neg_log10_p = std::max(0.0, std::max(best, matching.best_neg_log10_p) -
                                          std::log10(n_pairs + static_cast<double>(matching.tests)));
        if (!rs.empty()) {
            std::nth_element(rs.begin(), rs.begin() + rs.size() / 2, rs.end());
            o.median_pearson = rs[rs.size() / 2];
        }

        // Positive control: A's largest paired tensor against itself plus noise.
        if (!jobs.empty()) {
            const TensorRef* largest = jobs.front().a;
            for (const auto& j : jobs)
                if (j.a->elements() > largest->elements()) largest = j.a;
            const MatrixF w = ctx.a.read(*largest);
            const float mean = w.mean();
            const double sd = std::sqrt(std::max(0.0, static_cast<double>((w.array() - mean).square().mean())));
            stats::Rng rng(seed);
            MatrixF noisy = w;
            for (Eigen::Index e = 0; e < noisy.size(); ++e)
                noisy.data()[e] += static_cast<float>(rule.control_noise_relative_std * sd * stats::standard_normal(rng));
            o.control_detected = beyond(pearson_test(w, noisy), rule);
        }

        // The rotation control (tower_compare_matching.h, step 3), for a tower with blocks judged
        // through its hidden map: what an "independent" verdict could have seen.
        std::optional<RotationControl> rotation;
        if (matching.anchor && !matching.any_beyond) {
            const PairJob* block = nullptr;
            for (const auto& j : jobs)
                if (j.a->role.layer >= 0 && (j.a->cols() == matching.width || j.a->rows() == matching.width) &&
                    (!block || j.a->elements() > block->a->elements()))
                    block = &j;
            if (block) {
                stats::Rng rng(seed + 104729);
                rotation = tower_rotation_control(ctx.a.read(*matching.anchor->a), matching.anchor->a->rows() == matching.width,
                                                  ctx.a.read(*block->a), matching.width,
                                                  kRotationControlNoise * rule.control_noise_relative_std, rule, rng);
                ComponentStat c;
                c.family = "neuron_matching";
                c.statistic = "rotation control (" + tower + " tower: " + matching.map.anchor + " and " +
                              std::string(tower_relative_name(block->a->name)) +
                              " of A rotated + noise; held-out map fit, then matched through it)";
                c.component = std::string(lineage::weights::role_name(block->a->role.role));
                c.layer_a = c.layer_b = block->a->role.layer;
                c.value = rotation->map_fit;
                c.neg_log10_p = rotation->matching_neg_log10_p;
                c.null_kind = rotation->detected ? "control detected" : "control missed";
                c.descriptive = true;  // a control, not evidence about B
                stats.push_back(c);
            }
        }
        const bool rotation_ok = !rotation || rotation->detected;

        if (o.exact_reuse || any_beyond || matching.any_beyond) {
            o.verdict = Verdict::derived;
            o.reason = o.exact_reuse ? "bit-identical tensors"
                       : any_beyond  ? "tensor pairs beyond the shuffle null"
                       : matching.projector
                           ? "intermediate neurons matched beyond the shuffle null (" + matching.map_note +
                                 "): a copy with permuted intermediate neurons"
                       : matching.map.rotation()
                           ? "neurons matched beyond the shuffle null through the recovered rotation (" +
                                 matching.map_note + "): a copy rotated in its width"
                           : "neurons matched beyond the shuffle null once hidden units are paired (" +
                                 matching.map_note + "): a copy with permuted units";
        } else if (o.tensors_a == 0 || o.tensors_b == 0) {
            o.reason = std::string("present in ") + (o.tensors_a ? "A" : "B") + " only";
        } else if (jobs.empty()) {
            o.reason = "no tensor pairs by name and shape (towers of different designs)";
        } else if (o.neg_log10_p < rule.inside_null_neg_log10_p && o.control_detected && rotation_ok) {
            o.verdict = Verdict::independent;
            o.reason = "every pair inside its null; the noise control from A was detected";
            if (rotation) o.reason += ", and so was the rotation control (A's tower rotated in its width, plus noise)";
        } else {
            o.reason = !o.control_detected ? "the noise control from A was missed"
                       : !rotation_ok     ? "the rotation control from A was missed: a rotated copy could go unseen"
                                          : "some pairs outside the null but below the derived threshold";
        }
        out.push_back(std::move(o));
    }
    std::sort(out.begin(), out.end(), [](const TowerOutcome& x, const TowerOutcome& y) { return x.tower < y.tower; });
    return out;
}

}  // namespace lineage::probes::weights
