// The chain's decision on hand-made measurements: a healthy chain is proven; the first
// independent link is located as the break (even with a later one); a first checkpoint that
// descends from a base, or looks trained, makes the origin not independent; a digest mismatch
// unbinds; undecided links, inconsistent drift and an unclear origin are inconclusive; the verdict
// maps to the exit outcomes, and the report carries a row per link and the timeline. The rule file
// matches the built-in defaults.
#include <doctest/doctest.h>

#include <cmath>

#include "audit/chain/chain_decide.h"
#include "audit/chain/chain_report.h"
#include "reports/render.h"

using namespace lineage::audit;
namespace pw = lineage::probes::weights;

namespace {

ProbeRelation rel(const std::string& verdict, double p = 50.0) {
    ProbeRelation r;
    r.verdict = verdict;
    r.neg_log10_p = p;
    return r;
}

// Steps 0, 100, ..., (n-1)*100; distances growing like sqrt(step); every link derived; origin an
// initialisation independent of one base.
ChainResult healthy(int n) {
    ChainResult r;
    r.manifest_source = "test";
    r.tokens_given = true;
    r.bases.push_back({"base-X", "/x", "sha256:x"});
    for (int i = 0; i < n; ++i) {
        ChainCheckpoint c;
        c.entry.step = i * 100;
        c.entry.path = "/run/step-" + std::to_string(i * 100);
        c.entry.tokens_seen = static_cast<std::int64_t>(i) * 1000000;
        c.label = "step-" + std::to_string(i * 100);
        c.digest = "sha256:" + std::to_string(i);
        c.distance_from_start = 0.1 * std::sqrt(static_cast<double>(i));
        c.bases.push_back(rel(i == 0 ? "independent" : "inconclusive", 0.5));
        r.checkpoints.push_back(c);
        if (i > 0) {
            ChainLink l;
            l.from = static_cast<std::size_t>(i - 1);
            l.to = static_cast<std::size_t>(i);
            l.dependence = rel("derived");
            l.tokens = 1000000;
            l.step_distance = 0.1 / std::sqrt(static_cast<double>(i));
            l.drift_rate = l.step_distance;
            r.links.push_back(l);
        }
    }
    r.origin.init.look = pw::InitLook::initialisation;
    r.binding.final_digest = r.checkpoints.back().digest;
    return r;
}

ChainRule rule() { return ChainRule{}; }

}  // namespace

TEST_CASE("a healthy chain is proven") {
    ChainResult r = healthy(5);
    decide_chain(r, rule());
    CHECK(r.verdict == ChainVerdict::proven);
    CHECK(r.origin.status == OriginStatus::independent);
    for (const auto& l : r.links) CHECK(l.status == LinkStatus::descends);
    CHECK_FALSE(r.broken_at);
    CHECK(chain_outcome(r.verdict) == lineage::reports::Outcome::pass);
}

TEST_CASE("the first independent link is the break") {
    ChainResult r = healthy(5);
    r.links[1].dependence = rel("independent", 0.2);
    r.links[3].dependence = rel("independent", 0.2);
    decide_chain(r, rule());
    CHECK(r.verdict == ChainVerdict::broken);
    REQUIRE(r.broken_at);
    CHECK(*r.broken_at == 2);
    CHECK(r.links[1].status == LinkStatus::broken);
    CHECK(r.links[2].status == LinkStatus::descends);
    CHECK(chain_outcome(r.verdict) == lineage::reports::Outcome::fail);
    CHECK(chain_verdict_reason(r, lineage::reports::Language::en).find("step 200") !=
          std::string::npos);

    ChainResult other = healthy(3);
    other.links[0].dependence = rel("incompatible", 0.0);
    other.links[0].dependence.note = "architecture X vs Y";
    decide_chain(other, rule());
    CHECK(other.verdict == ChainVerdict::broken);
    CHECK(*other.broken_at == 1);
}

TEST_CASE("an origin that descends from a base, or is already trained, is not independent") {
    ChainResult from_base = healthy(3);
    from_base.checkpoints[0].bases[0] = rel("derived", 300.0);
    decide_chain(from_base, rule());
    CHECK(from_base.verdict == ChainVerdict::origin_not_independent);
    CHECK(from_base.origin.deciding_base == "base-X");
    CHECK(chain_verdict_reason(from_base, lineage::reports::Language::en).find("base-X") !=
          std::string::npos);

    ChainResult trained = healthy(3);
    trained.origin.init.look = pw::InitLook::trained;
    decide_chain(trained, rule());
    CHECK(trained.verdict == ChainVerdict::origin_not_independent);
    CHECK(trained.origin.deciding_base.empty());

    // A break wins over the origin: it is located first.
    ChainResult both = healthy(3);
    both.origin.init.look = pw::InitLook::trained;
    both.links[1].dependence = rel("independent", 0.1);
    decide_chain(both, rule());
    CHECK(both.verdict == ChainVerdict::broken);
    CHECK(both.origin.status == OriginStatus::not_independent);
}

TEST_CASE("binding: a different digest unbinds, the same binds") {
    ChainResult r = healthy(3);
    r.binding.status = BindingStatus::not_bound;
    decide_chain(r, rule());
    CHECK(r.verdict == ChainVerdict::not_bound);
    r.binding.status = BindingStatus::bound;
    decide_chain(r, rule());
    CHECK(r.verdict == ChainVerdict::proven);
}

TEST_CASE("undecided links, inconsistent drift and an unclear origin are inconclusive") {
    ChainResult undecided = healthy(4);
    undecided.links[2].dependence = rel("inconclusive", 2.0);
    decide_chain(undecided, rule());
    CHECK(undecided.verdict == ChainVerdict::inconclusive);
    CHECK(undecided.links[2].status == LinkStatus::undecided);

    ChainResult unchanged = healthy(4);
    unchanged.links[1].step_distance = 0.0;
    decide_chain(unchanged, rule());
    CHECK(unchanged.verdict == ChainVerdict::inconclusive);
    CHECK(unchanged.links[1].status == LinkStatus::drift_inconsistent);
    CHECK(unchanged.links[1].drift_note.find("unchanged") != std::string::npos);

    ChainResult back = healthy(4);
    back.checkpoints[2].distance_from_start = 0.05;  // falls back from 0.1 at step 100
    decide_chain(back, rule());
    CHECK(back.links[1].status == LinkStatus::drift_inconsistent);
    CHECK(back.links[1].drift_note.find("back towards") != std::string::npos);

    ChainResult jump = healthy(5);
    jump.links[2].drift_rate = 100.0 * jump.links[2].drift_rate;
    decide_chain(jump, rule());
    CHECK(jump.links[2].status == LinkStatus::drift_inconsistent);
    CHECK(jump.links[2].drift_note.find("median") != std::string::npos);
    CHECK(jump.verdict == ChainVerdict::inconclusive);

    ChainResult unclear = healthy(3);
    unclear.origin.init.look = pw::InitLook::unclear;
    decide_chain(unclear, rule());
    CHECK(unclear.verdict == ChainVerdict::inconclusive);
    CHECK(chain_outcome(unclear.verdict) == lineage::reports::Outcome::inconclusive);

    ChainResult base_unsure = healthy(3);
    base_unsure.checkpoints[0].bases[0] = rel("inconclusive", 1.0);
    decide_chain(base_unsure, rule());
    CHECK(base_unsure.origin.status == OriginStatus::inconclusive);
}

TEST_CASE("the report: one record per link and per base, the timeline, both languages") {
    ChainResult r = healthy(3);
    r.links[1].dependence = rel("independent", 0.1);
    decide_chain(r, rule());
    for (auto lang : {lineage::reports::Language::en, lineage::reports::Language::ko}) {
        const auto report = build_chain_report(r, lang);
        CHECK(report.verdict.outcome == lineage::reports::Outcome::fail);
        REQUIRE(report.components.size() == 1 + r.links.size());
        CHECK(report.components[1].relation == lineage::reports::Relation::derived);
        CHECK(report.components[1].source_base == "step-0");
        CHECK(report.components[2].relation == lineage::reports::Relation::independent);
        CHECK(report.repro.artifacts.size() == 4);
        CHECK(report.repro.artifacts[0].role == "checkpoint");
        bool timeline = false;
        for (const auto& s : report.sections) timeline = timeline || s.id == "timeline";
        CHECK(timeline);
        const std::string json = lineage::reports::render_json(report);
        CHECK(json.find("\"fail\"") != std::string::npos);
        CHECK_FALSE(lineage::reports::render_markdown(report).empty());
        CHECK_FALSE(lineage::reports::render_html(report).empty());
    }
}

TEST_CASE("the report states the issue's verdict words, the timeline per base and the reads") {
    using lineage::reports::Language;
    // Summary "Verdict" entry and the timeline / origin tables, flattened to text.
    auto summary_value = [](const lineage::reports::Report& rep, std::size_t item) {
        for (const auto& s : rep.sections)
            if (s.id == "chain-summary")
                return std::get<lineage::reports::KeyValueList>(s.blocks.at(0)).items.at(item).second;
        return std::string();
    };
    auto timeline_row = [](const lineage::reports::Report& rep, std::size_t row) {
        std::vector<std::string> cells;
        for (const auto& s : rep.sections)
            if (s.id == "timeline")
                for (const auto& c : std::get<lineage::reports::Table>(s.blocks.at(1)).rows.at(row))
                    cells.push_back(c.text);
        return cells;
    };
    ChainResult broken = healthy(4);
    broken.links[1].dependence = rel("independent", 0.1);
    decide_chain(broken, rule());
    CHECK(summary_value(build_chain_report(broken, Language::en), 0) == "chain broken at step 200");
    CHECK(summary_value(build_chain_report(broken, Language::ko), 0) == "스텝 200에서 체인 단절");

    ChainResult proven = healthy(3);
    decide_chain(proven, rule());
    CHECK(summary_value(build_chain_report(proven, Language::en), 0) == "chain proven");
    ChainResult origin = healthy(3);
    origin.checkpoints[0].bases[0] = rel("derived", 40.0);
    decide_chain(origin, rule());
    CHECK(summary_value(build_chain_report(origin, Language::en), 0) == "origin not independent");

    // Timeline: step, distance from start, dependence on the predecessor, relation to each base.
    const auto row = timeline_row(build_chain_report(proven, Language::en), 2);
    REQUIRE(row.size() >= 9);
    CHECK(row[0] == "200");
    CHECK(row[3] == "0.1414");   // distance from start, 0.1 sqrt(2)
    CHECK(row[5] == "50.0");     // dependence on step 100
    CHECK(row[8].find("(0.5)") != std::string::npos);  // vs base-X

    // Reads: byte counts of the passes (deterministic), and the registry note when entries
    // from a fingerprint registry are bases.
    proven.checkpoints[0].reads = {10, 2000000000, 10, 2000000000, 1, 0, 5, 1000000000};
    proven.bases.push_back({"R (fingerprint)", "reg.h5#R", "sha256:r", true, {}});
    const auto rep = build_chain_report(proven, Language::en);
    const std::string reads = summary_value(rep, 7);
    CHECK(reads.find("1 models, 2.000 GB of weights, each read in one pass") != std::string::npos);
    CHECK(reads.find("0.000 GB hashed outside") != std::string::npos);
    CHECK(reads.find("read 1.000 GB of them again") != std::string::npos);
    bool note = false;
    for (const auto& s : rep.sections)
        for (const auto& b : s.blocks)
            if (const auto* n = std::get_if<lineage::reports::Note>(&b))
                note = note || n->title == "Registry entries: origin only";
    CHECK(note);
}

TEST_CASE("chain_rule.json matches the built-in defaults") {
    const ChainRule file = default_chain_rule();
    const ChainRule builtin;
    REQUIRE(file.source != builtin.source);
    CHECK(file.backtrack_tolerance == builtin.backtrack_tolerance);
    CHECK(file.drift_rate_factor == builtin.drift_rate_factor);
    CHECK(file.min_links_for_rate == builtin.min_links_for_rate);
}
