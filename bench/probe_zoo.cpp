// Calibration and out-of-sample evaluation of the activation probe over a lineage zoo (tools/zoo).
// Not a speed benchmark: it lives here because it needs the whole of Lineage and a built zoo.
//
//   bench_probe_zoo measure ZOO_DIR OUT.jsonl [MAX_POSITIONS [SHARD NSHARDS]]
//     Runs the probe on every pair zoo.json lists (skipping models the reference transformer cannot
//     run), with exactly the code `lineage probe` runs (pair_figures.h), but each model's pass is
//     computed once per sampling plan and reused across its pairs (models sharing a tokenizer share
//     the plan), so a 500-pair zoo costs ~30 forwards. One JSON line per pair: zoo, ids, relation
//     and truth flags, model files (sha256 from zoo.json, bytes) and the probe record with the
//     shipped ranges applied. Pairs of finished models come first, then pairs with intermediate
//     checkpoints; pairs already in OUT.jsonl are skipped (a stopped run resumes).
//
//   bench_probe_zoo evaluate OUT.jsonl [MORE.jsonl ...] [--fit ZOO] [--ranges-out FILE] [--table FILE]
//                            [--rule FILE] [--not-fitted ID,ID...]
//     Re-decides every stored pair (the real decide_verdict, rule from verdict_rule.json) with
//     independent ranges fitted
//       - leave-one-model-out: on the independent pairs of the pair's own zoo that contain neither
//         of its models (so each verdict is out of sample), and
//       - held-out: on the independent pairs of zoo --fit (default: the largest), for the pairs of
//         every other zoo (disjoint models);
//     prints confusion tables (expected verdict from the zoo's truth vs verdict) as markdown, and
//     writes the ranges fitted on all of zoo --fit's independent pairs, with provenance, to
//     --ranges-out (the shipped probes/activation/null_ranges.json; see bench/probe_calibrate.sh).
//     --not-fitted: models whose pairs never enter a fit (random initialisations: their outputs are
//     near-uniform, so two of them "agree" in JS without being related; they are still evaluated).
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <list>
#include <map>
#include <set>
#include <sstream>
#include <tuple>
#include <string>
#include <vector>

#include "probes/activation/activation_probe.h"
#include "probes/activation/pair_figures.h"
#include "probes/activation/probe_json.h"
#include "reference_model/backend/backend.h"
#include "weights/core/error.h"
#include "weights/core/json_value.h"

using namespace lineage;
using namespace lineage::probes::activation;
namespace fs = std::filesystem;

namespace {

struct ZooModel {
    std::string id, path, tokenizer, sha256;
    std::int64_t bytes = 0;
};

std::int64_t weights_bytes(const std::string& folder) {
    std::error_code ec;
    const auto size = fs::file_size(fs::path(folder) / "model.safetensors", ec);
    return ec ? 0 : static_cast<std::int64_t>(size);
}

// FNV-1a over a pass plan: models whose plans hash alike run the same sequences and rows.
std::uint64_t plan_hash(const PassPlan& p) {
    std::uint64_t h = 1469598103934665603ULL;
    auto mix = [&](std::int64_t v) {
        h ^= static_cast<std::uint64_t>(v);
        h *= 1099511628211ULL;
    };
    for (const auto& s : p.sequences) {
        mix(static_cast<std::int64_t>(s.size()));
        for (auto t : s) mix(t);
    }
    for (const auto& [s, q] : p.rows) mix(s), mix(q);
    mix(p.agreement_rows);
    for (auto t : p.shared_ids) mix(t);
    return h;
}

// Passes kept for reuse, oldest dropped past a byte budget.
class PassCache {
public:
    explicit PassCache(std::size_t budget) : budget_(budget) {}
    const ModelActivations& get(const std::string& id, const std::string& path, const PassPlan& plan,
                                model::Backend& backend, int& computed) {
        const std::string key = id + "#" + std::to_string(plan_hash(plan));
        if (auto it = map_.find(key); it != map_.end()) return it->second;
        ModelActivations a = run_side(path, plan, backend);
        ++computed;
        std::size_t bytes = static_cast<std::size_t>(a.log_probs.size()) * sizeof(float);
        for (const auto& g : a.grams) bytes += static_cast<std::size_t>(g.kc.size()) * sizeof(float);
        while (!order_.empty() && used_ + bytes > budget_) {
            used_ -= sizes_[order_.front()];
            map_.erase(order_.front());
            sizes_.erase(order_.front());
            order_.pop_front();
        }
        used_ += bytes;
        sizes_[key] = bytes;
        order_.push_back(key);
        return map_.emplace(key, std::move(a)).first->second;
    }

private:
    std::size_t budget_, used_ = 0;
    std::map<std::string, ModelActivations> map_;
    std::map<std::string, std::size_t> sizes_;
    std::list<std::string> order_;
};

int measure(const std::string& zoo_dir, const std::string& out_path, std::int64_t max_positions, int shard, int shards) {
    const JsonValue zoo = JsonValue::parse_file((fs::path(zoo_dir) / "zoo.json").string());
    const std::string zoo_name = zoo.find("name") && zoo.find("name")->is_string() ? zoo.find("name")->as_string() : zoo_dir;
    std::map<std::string, ZooModel> models;
    for (const auto& m : zoo.find("models")->as_array()) {
        ZooModel z;
        z.id = m.find("id")->as_string();
        z.path = (fs::path(zoo_dir) / m.find("path")->as_string()).string();
        z.tokenizer = m.find("tokenizer") ? m.find("tokenizer")->as_string() : "";
        z.sha256 = m.find("weights_sha256") ? m.find("weights_sha256")->as_string() : "";
        z.bytes = weights_bytes(z.path);
        models[z.id] = z;
    }
    struct Pair {
        const JsonValue* json;
        std::string a, b;
    };
    std::vector<Pair> pairs;
    for (const auto& p : zoo.find("pairs")->as_array()) pairs.push_back({&p, p.find("a")->as_string(), p.find("b")->as_string()});
    // Pairs of finished models before pairs with intermediate checkpoints (role "checkpoint"), and
    // pairs with the same tokenizers next to each other, so their passes are reused.
    std::map<std::string, bool> is_checkpoint;
    for (const auto& m : zoo.find("models")->as_array())
        is_checkpoint[m.find("id")->as_string()] = m.find("role") && m.find("role")->as_string() == "checkpoint";
    std::stable_sort(pairs.begin(), pairs.end(), [&](const Pair& x, const Pair& y) {
        const bool cx = is_checkpoint[x.a] || is_checkpoint[x.b], cy = is_checkpoint[y.a] || is_checkpoint[y.b];
        return std::tuple(cx, models[x.a].tokenizer, models[x.b].tokenizer) < std::tuple(cy, models[y.a].tokenizer, models[y.b].tokenizer);
    });
    // Resume: pairs of this zoo already in any .jsonl file beside OUT are skipped.
    std::set<std::pair<std::string, std::string>> have;
    const fs::path out_dir = fs::absolute(out_path).parent_path();
    for (const auto& e : fs::directory_iterator(out_dir)) {
        if (e.path().extension() != ".jsonl") continue;
        std::ifstream old(e.path());
        std::string l;
        while (std::getline(old, l))
            if (!l.empty() && l.back() == '}') {
                const JsonValue j = JsonValue::parse(l, e.path().string());
                if (j.find("zoo")->as_string() == zoo_name) have.emplace(j.find("a")->as_string(), j.find("b")->as_string());
            }
    }
    // Shard k of n: every n-th pair (two processes share a loaded machine's cores better).
    if (shards > 1) {
        std::vector<Pair> mine;
        for (std::size_t i = 0; i < pairs.size(); ++i)
            if (static_cast<int>(i % static_cast<std::size_t>(shards)) == shard) mine.push_back(pairs[i]);
        pairs.swap(mine);
    }

    const VerdictRule rule = default_verdict_rule();
    const IndependentRanges shipped = default_null_ranges();
    const ProbeCorpus corpus = bundled_corpus();
    const auto backend = model::make_backend("cpu");
    PassCache cache(std::size_t{6} << 30);
    std::ofstream out(out_path, std::ios::app);
    if (!out) throw InputError(out_path, "cannot write");
    std::set<std::string> unsupported, skip;
    // LINEAGE_PROBE_ZOO_SKIP: comma-separated model ids left out (e.g. models added to the zoo
    // for another probe, such as vision towers the text probe cannot see).
    if (const char* env = std::getenv("LINEAGE_PROBE_ZOO_SKIP")) {
        std::stringstream ss(env);
        for (std::string id; std::getline(ss, id, ',');)
            if (!id.empty()) skip.insert(id);
    }
    int done = 0, computed = 0;
    const auto start = std::chrono::steady_clock::now();
    for (const Pair& p : pairs) {
        const ZooModel &ma = models[p.a], &mb = models[p.b];
        JsonValue line = JsonValue::object();
        line.set("zoo", zoo_name);
        line.set("a", p.a);
        line.set("b", p.b);
        for (const char* k : {"relation", "weights_related", "behaviour_related"})
            if (const JsonValue* v = p.json->find(k)) line.set(k, *v);
        for (const auto& [key, m] : {std::pair{"model_a_file", &ma}, {"model_b_file", &mb}}) {
            JsonValue f = JsonValue::object();
            f.set("weights_sha256", m->sha256);
            f.set("bytes", m->bytes);
            line.set(key, std::move(f));
        }
        if (unsupported.count(p.a) || unsupported.count(p.b) || skip.count(p.a) || skip.count(p.b) || have.count({p.a, p.b}))
            continue;
        try {
            ProbeSetup setup = prepare_probe(ma.path, mb.path, corpus, rule, *backend, max_positions);
            ProbeResult& r = setup.result;
            if (setup.runnable) {
                const std::string tok_a = r.a.tokenizer_sha256, tok_b = r.b.tokenizer_sha256;
                const ModelActivations& a = cache.get(p.a, ma.path, setup.plan_a, *backend, computed);
                const ModelActivations& b = cache.get(p.b, mb.path, setup.plan_b, *backend, computed);
                r.a = a.side;
                r.b = b.side;
                r.a.tokenizer_sha256 = tok_a;
                r.b.tokenizer_sha256 = tok_b;
                LayerNullDraws draws;
                begin_figures(r, draws);
                for (std::int64_t lb = 0; lb < r.cols; ++lb)
                    compare_b_layer(r, a.grams, lb, b.grams[static_cast<std::size_t>(lb)], rule, draws);
                finish_figures(r, draws, a.log_probs, b.log_probs, rule);
                apply_independent_ranges(r, shipped);
                decide_verdict(r, rule);
            }
            line.set("probe", probe_result_json(r));
        } catch (const std::exception& e) {
            const std::string what = e.what();
            line.set("error", what);
            // A model the reference transformer cannot run fails every pair it is in: skip them.
            for (const auto& id : {p.a, p.b})
                try {
                    (void)prepare_probe(models[id].path, models[id].path, ProbeCorpus{"x", "", {"x"}}, rule, *backend, 8);
                } catch (const std::exception&) {
                    unsupported.insert(id);
                }
        }
        out << line.dump() << "\n";
        out.flush();
        ++done;
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const JsonValue* v = line.find("probe") ? line.find("probe")->find("verdict") : nullptr;
        std::fprintf(stderr, "[%d/%zu %.0f s, %d passes] %s vs %s (%s): %s\n", done, pairs.size(), s, computed,
                     p.a.c_str(), p.b.c_str(), p.json->find("relation")->as_string().c_str(),
                     v ? v->as_string().c_str() : line.find("error")->as_string().c_str());
    }
    for (const auto& id : unsupported) std::fprintf(stderr, "skipped (cannot run): %s\n", id.c_str());
    return 0;
}

// ---- evaluate ------------------------------------------------------------------------------------

struct Stored {
    std::string zoo, a, b, relation;
    bool weights_related = false, behaviour_related = false;
    ZooModel file_a, file_b;
    ProbeResult figures;
    std::string shipped_verdict;
    bool ok = false;
    std::string error;
};

// What the probe should say, from the zoo's truth flags.
std::string expected_verdict(const Stored& s) {
    if (s.weights_related) return s.behaviour_related ? "derived" : "derived (from a random init)";
    return s.behaviour_related ? "behaviourally-similar" : "independent";
}

std::vector<Stored> read_jsonl(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw InputError(path, "cannot read");
    std::vector<Stored> out;
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
        ++n;
        if (line.empty() || line.back() != '}') continue;  // a line cut by a stopped run
        const std::string where = path + ":" + std::to_string(n);
        const JsonValue j = JsonValue::parse(line, where);
        Stored s;
        s.zoo = j.find("zoo")->as_string();
        s.a = j.find("a")->as_string();
        s.b = j.find("b")->as_string();
        s.relation = j.find("relation")->as_string();
        s.weights_related = j.find("weights_related") && j.find("weights_related")->as_bool();
        s.behaviour_related = j.find("behaviour_related") && j.find("behaviour_related")->as_bool();
        for (auto [key, m, id] : {std::tuple{"model_a_file", &s.file_a, s.a}, {"model_b_file", &s.file_b, s.b}}) {
            m->id = id;
            if (const JsonValue* f = j.find(key)) {
                m->sha256 = f->find("weights_sha256")->as_string();
                m->bytes = f->find("bytes")->as_int();
            }
        }
        if (const JsonValue* e = j.find("error")) {
            s.error = e->as_string();
        } else if (const JsonValue* p = j.find("probe"); p && p->find("figures") && p->find("figures")->find("peak_cka_debiased")) {
            s.figures = probe_figures_from_json(*p, where);
            s.shipped_verdict = p->find("verdict")->as_string();
            s.ok = true;
        } else {
            s.error = p ? p->find("summary")->as_string() : "no probe record";
        }
        out.push_back(std::move(s));
    }
    return out;
}

std::string verdict_under(const Stored& s, const IndependentRanges& ranges, const VerdictRule& rule) {
    ProbeResult r = s.figures;
    apply_independent_ranges(r, ranges);
    decide_verdict(r, rule);
    return verdict_name(r.verdict);
}

const std::vector<std::string> kVerdicts = {"derived", "behaviourally-similar", "independent", "inconclusive"};

std::string confusion_table(const std::vector<std::pair<const Stored*, std::string>>& rows) {
    std::map<std::string, std::map<std::string, int>> counts;
    for (const auto& [s, v] : rows) ++counts[expected_verdict(*s)][v];
    std::ostringstream o;
    o << "| truth (expected verdict) | pairs |";
    for (const auto& v : kVerdicts) o << " " << v << " |";
    o << "\n|---|---|---|---|---|---|\n";
    for (const std::string t : {"derived", "derived (from a random init)", "behaviourally-similar", "independent"}) {
        if (!counts.count(t)) continue;
        int total = 0;
        for (const auto& [v, c] : counts[t]) total += c;
        o << "| " << t << " | " << total << " |";
        for (const auto& v : kVerdicts) {
            const int c = counts[t].count(v) ? counts[t][v] : 0;
            const bool right = v == t || (v == "derived" && t.rfind("derived", 0) == 0);
            o << " " << (right && c ? "**" + std::to_string(c) + "**" : std::to_string(c)) << " |";
        }
        o << "\n";
    }
    return o.str();
}

int evaluate(const std::vector<std::string>& files, std::string fit_zoo, const std::string& ranges_out,
             const std::string& table_out, const std::string& rule_file, const std::set<std::string>& not_fitted) {
    std::vector<Stored> all;
    for (const auto& f : files) {
        auto v = read_jsonl(f);
        all.insert(all.end(), std::make_move_iterator(v.begin()), std::make_move_iterator(v.end()));
    }
    std::map<std::string, int> zoo_size;
    for (const auto& s : all) ++zoo_size[s.zoo];
    if (fit_zoo.empty())
        fit_zoo = std::max_element(zoo_size.begin(), zoo_size.end(), [](auto& x, auto& y) { return x.second < y.second; })->first;
    const VerdictRule rule = rule_file.empty() ? default_verdict_rule() : load_verdict_rule(rule_file);
    std::ostringstream md;

    auto fit = [&](const std::function<bool(const Stored&)>& use) {
        std::vector<const ProbeResult*> v;
        for (const auto& s : all)
            if (s.ok && !s.weights_related && !s.behaviour_related && !not_fitted.count(s.a) && !not_fitted.count(s.b) && use(s))
                v.push_back(&s.figures);
        return fit_independent_ranges(v);
    };

    // Leave one model out, per zoo.
    for (const auto& [zoo, n] : zoo_size) {
        std::vector<std::pair<const Stored*, std::string>> rows;
        std::vector<std::string> misses;
        int fitted_min = 1 << 30, fitted_max = 0, skipped = 0;
        for (const auto& s : all) {
            if (s.zoo != zoo) continue;
            if (!s.ok) {
                ++skipped;
                continue;
            }
            const IndependentRanges r = fit([&](const Stored& t) {
                return t.zoo == zoo && t.a != s.a && t.a != s.b && t.b != s.a && t.b != s.b;
            });
            fitted_min = std::min(fitted_min, r.peak_cka.pairs);
            fitted_max = std::max(fitted_max, r.peak_cka.pairs);
            const std::string v = verdict_under(s, r, rule);
            rows.emplace_back(&s, v);
            const std::string want = expected_verdict(s);
            if (!(v == want || (v == "derived" && want.rfind("derived", 0) == 0))) {
                char buf[320];
                std::snprintf(buf, sizeof buf, "%s / %s (%s): %s; peak %.3f (fit hi %.3f), top-1 %.3f, JS %.3f", s.a.c_str(),
                              s.b.c_str(), want.c_str(), v.c_str(), s.figures.peak_cka.value, r.peak_cka.hi,
                              s.figures.top1_agreement.value, s.figures.js_divergence.value);
                misses.push_back(buf);
            }
        }
        md << "\n### Leave-one-model-out, zoo `" << zoo << "` (" << rows.size() << " pairs probed, " << skipped
           << " not runnable; each pair's ranges fitted on " << fitted_min << "-" << fitted_max
           << " independent pairs of this zoo containing neither of its models)\n\n"
           << confusion_table(rows) << "\nPairs whose verdict differs from the truth:\n\n";
        for (const auto& m : misses) md << "- " << m << "\n";
    }

    // Held out: fitted on fit_zoo, evaluated on every other zoo.
    const IndependentRanges shipped_fit = fit([&](const Stored& t) { return t.zoo == fit_zoo; });
    for (const auto& [zoo, n] : zoo_size) {
        if (zoo == fit_zoo) continue;
        std::vector<std::pair<const Stored*, std::string>> rows;
        std::vector<std::string> lines;
        for (const auto& s : all) {
            if (s.zoo != zoo || !s.ok) continue;
            const std::string v = verdict_under(s, shipped_fit, rule);
            rows.emplace_back(&s, v);
            char buf[320];
            std::snprintf(buf, sizeof buf, "| %s / %s | %s | %s | %.3f | %.3f | %.3f | %.3f |", s.a.c_str(), s.b.c_str(),
                          expected_verdict(s).c_str(), v.c_str(), s.figures.peak_cka.value, s.figures.diagonal_cka.value,
                          s.figures.top1_agreement.value, s.figures.js_divergence.value);
            lines.push_back(buf);
        }
        md << "\n### Held out: zoo `" << zoo << "` with the ranges fitted on zoo `" << fit_zoo << "` ("
           << shipped_fit.peak_cka.pairs << " independent pairs; no model in common)\n\n"
           << confusion_table(rows) << "\n| pair | truth | verdict | peak CKA | mean CKA | top-1 | JS |\n|---|---|---|---|---|---|---|\n";
        for (const auto& l : lines) md << l << "\n";
    }

    // The shipped ranges: every independent pair of fit_zoo, with provenance.
    IndependentRanges shipped = shipped_fit;
    std::map<std::string, ZooModel> used;
    for (const auto& s : all)
        if (s.zoo == fit_zoo && s.ok && !s.weights_related && !s.behaviour_related && !not_fitted.count(s.a) &&
            !not_fitted.count(s.b)) {
            shipped.pairs.push_back(s.zoo + ":" + s.a + "|" + s.b);
            used[s.a] = s.file_a;
            used[s.b] = s.file_b;
        }
    for (const auto& [id, m] : used) shipped.models.push_back({fit_zoo + ":" + id, m.sha256, m.bytes});
    shipped.measured_on = std::to_string(shipped.pairs.size()) + " independent pairs (" + std::to_string(used.size()) +
                          " models) of the lineage zoo '" + fit_zoo +
                          "' (tools/zoo; bundled corpus, 2048 positions, cpu); fitted by bench/probe_calibrate.sh";
    md << "\nShipped ranges (all " << shipped.pairs.size() << " independent pairs of zoo `" << fit_zoo
       << "`): peak CKA " << shipped.peak_cka.lo << "-" << shipped.peak_cka.hi << ", mean CKA " << shipped.diagonal_cka.lo
       << "-" << shipped.diagonal_cka.hi << ", top-1 " << shipped.top1_agreement.lo << "-" << shipped.top1_agreement.hi
       << ", JS " << shipped.js_divergence.lo << "-" << shipped.js_divergence.hi << "\n";
    if (!ranges_out.empty()) {
        std::ofstream f(ranges_out);
        f << null_ranges_json(shipped, "Ranges of the activation probe's figures between independent models. Written by "
                                       "bench/probe_calibrate.sh (bench_probe_zoo evaluate); builtin_null_ranges() in "
                                       "null_ranges.cpp holds the same values (a test checks). A probe whose model is one of "
                                       "provenance.models (by weights sha256) is reported as in sample.")
                 .dump(2)
          << "\n";
    }
    if (!table_out.empty()) std::ofstream(table_out) << md.str();
    std::printf("%s", md.str().c_str());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const std::vector<std::string> args(argv + 1, argv + argc);
        if (args.size() >= 3 && args[0] == "measure")
            return measure(args[1], args[2], args.size() > 3 ? std::stoll(args[3]) : 2048,
                           args.size() > 4 ? std::stoi(args[4]) : 0, args.size() > 5 ? std::stoi(args[5]) : 1);
        if (args.size() >= 2 && args[0] == "evaluate") {
            std::vector<std::string> files;
            std::string fit_zoo, ranges_out, table_out, rule_file;
            std::set<std::string> not_fitted;
            for (std::size_t i = 1; i < args.size(); ++i) {
                if (args[i] == "--fit" && i + 1 < args.size()) fit_zoo = args[++i];
                else if (args[i] == "--ranges-out" && i + 1 < args.size()) ranges_out = args[++i];
                else if (args[i] == "--table" && i + 1 < args.size()) table_out = args[++i];
                else if (args[i] == "--rule" && i + 1 < args.size()) rule_file = args[++i];
                else if (args[i] == "--not-fitted" && i + 1 < args.size()) {
                    std::stringstream ss(args[++i]);
                    for (std::string id; std::getline(ss, id, ',');) not_fitted.insert(id);
                }
                else files.push_back(args[i]);
            }
            return evaluate(files, fit_zoo, ranges_out, table_out, rule_file, not_fitted);
        }
        std::fprintf(stderr,
                     "usage: bench_probe_zoo measure ZOO_DIR OUT.jsonl [MAX_POSITIONS [SHARD NSHARDS]]\n"
                     "       bench_probe_zoo evaluate OUT.jsonl [MORE.jsonl...] [--fit ZOO] [--ranges-out FILE] [--table FILE]\n"
                     "                                [--rule FILE] [--not-fitted ID,ID...]\n");
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_probe_zoo: %s\n", e.what());
        return 3;
    }
}
