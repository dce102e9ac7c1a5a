// From a hand-built AuditResult to a Report: banner reason, machine record, sections, pitfalls and
// Korean text; rendering it is deterministic.
#include <doctest/doctest.h>

#include <cmath>

#include "audit/audit_result.h"
#include "audit/report_builder.h"
#include "reports/render.h"

using namespace lineage::audit;
using lineage::reports::Language;
using lineage::reports::Outcome;
using lineage::reports::Relation;

namespace {

AuditResult sample_result(bool derived) {
    AuditResult r;
    r.candidate = {"cand", "/models/cand", "sha256:aa", "LlamaForCausalLM", 1234567};
    r.bases = {{"base-a", "/models/a", "sha256:bb", "LlamaForCausalLM", 1234567}};
    r.policy = builtin_policy();
    r.command = "lineage audit /models/cand --base /models/a";
    r.generated_at = "2026-01-01T00:00:00Z";
    auto& e = r.evidence;
    e.candidate_components = {"embeddings", "layers.0.attention", "layers.0.mlp", "lm_head"};
    for (const auto& c : e.candidate_components) {
        Finding f;
        f.component = c;
        f.base = "base-a";
        f.base_component = c;
        f.relation = derived && c == "layers.0.mlp" ? "derived" : "independent";
        f.p_value = derived && c == "layers.0.mlp" ? 1e-30 : 0.4;
        f.statistic = "neuron-matching";
        f.strength = 0.12;
        f.null_range = NullRange{0.0, 0.2, "zoo"};
        f.power = Power{3, 3, ""};
        f.evidence = "layer map 0->0";
        e.findings.push_back(f);
    }
    Finding tok;
    tok.kind = FindingKind::tokenizer;
    tok.relation = "extended";
    tok.base = "base-a";
    e.findings.push_back(tok);
    e.tokenizers.push_back({"base-a", "extended", 0.8, 0.99, 0.998, NullRange{0.0, 0.3, ""},
                            NullRange{0.01, 0.05, ""}, 32000, 32768, 32000, "appended 768 tokens"});
    e.figures.push_back({"norm_cosine", "base-a", "", 0.993, NullRange{0.97, 0.999, "zoo"}});
    e.matrices.push_back(
        {"base-a", "mlp", "-log10 p", 2, 2, {30, 0.1, 0.2, 25}, {{0, 0}, {1, 1}}, 0, 30});
    e.skipped.push_back({"activations", "", "audit.skip.not_built", ""});
    e.parameters = {{"weights.null_shuffles", "1000"}};
    e.seeds = {{"weights.null", 42}};
    decide(r);
    return r;
}

}  // namespace

TEST_CASE("a derived component fails the audit and the report says so") {
    AuditResult r = sample_result(true);
    CHECK(r.verdict.outcome == Outcome::fail);
    auto report = build_report(r, Language::en);
    CHECK(report.verdict.outcome == Outcome::fail);
    CHECK(report.verdict.reason ==
          "1 of 4 components descend from another model (first: layers.0.mlp from base-a: "
          "layers.0.mlp).");
    REQUIRE(report.components.size() == 4);
    CHECK(report.components[2].name == "layers.0.mlp");
    CHECK(report.components[2].relation == Relation::derived);
    CHECK(report.components[2].source_base == "base-a");
    CHECK(report.components[0].power == "3/3");
    REQUIRE(report.policy_findings.size() == 2);
    CHECK(report.policy_findings[0].severity == "fail");
    CHECK(report.policy_findings[1].rule == "tokenizer-reused");
    CHECK(report.repro.policy_name == "independent-foundation");
    CHECK(report.repro.artifacts.size() == 3);
    CHECK(report.repro.artifacts[2].digest == r.policy.digest);

    std::string json = lineage::reports::render_json(report);
    CHECK(json.find("\"verdict\": \"fail\"") != std::string::npos);
    CHECK(json.find("\"weights.null_shuffles\": \"1000\"") != std::string::npos);
    std::string html = lineage::reports::render_html(report);
    CHECK(html.find("Cosine similarity of norm weights") != std::string::npos);
    CHECK(html.find("0.993") != std::string::npos);
    CHECK(html.find("0.970–0.999") != std::string::npos);
    CHECK(html.find("Not run: activation probe") != std::string::npos);
    CHECK(html.find("http:") == std::string::npos);
}

TEST_CASE("all components independent with power: pass, with the tokenizer warning") {
    AuditResult r = sample_result(false);
    CHECK(r.verdict.outcome == Outcome::pass);
    auto report = build_report(r, Language::en);
    CHECK(report.verdict.reason.find("All 4 components are independent") == 0);
    CHECK(report.verdict.reason.find("1 warning(s)") != std::string::npos);
}

TEST_CASE("the Korean report is written in Korean") {
    auto report = build_report(sample_result(true), Language::ko);
    CHECK(report.title == "모델 계보 감사 보고서");
    CHECK(report.verdict.reason.find("구성 요소 4개 중 1개가 다른 모델에서 파생되었습니다") == 0);
    CHECK(report.policy_findings[0].message.find(
              "이 구성 요소의 가중치가 다른 모델에서 유래했습니다.") == 0);
    std::string md = lineage::reports::render_markdown(report);
    CHECK(md.find("## 보고서 읽는 법") != std::string::npos);
    CHECK(md.find("## 토크나이저") != std::string::npos);
}

TEST_CASE("building and rendering twice gives the same bytes") {
    auto a = lineage::reports::render_html(build_report(sample_result(true), Language::ko));
    auto b = lineage::reports::render_html(build_report(sample_result(true), Language::ko));
    CHECK(a == b);
}

TEST_CASE("a rule matching many blocks is one policy finding with a compact component list") {
    AuditResult r = sample_result(false);
    r.evidence.findings.clear();
    r.evidence.candidate_components.clear();
    for (int i = 0; i < 6; ++i) {
        for (std::string part : {"attention", "mlp"}) {
            Finding f;
            f.component = "layers." + std::to_string(i) + "." + part;
            f.base = "base-a";
            f.base_component = f.component;
            bool d = part == "mlp" && i != 3;
            f.relation = d ? "derived" : "independent";
            f.p_value = d ? 1e-30 : 0.5;
            f.power = Power{3, 3, ""};
            r.evidence.findings.push_back(f);
        }
    }
    decide(r);
    auto report = build_report(r, Language::en);
    REQUIRE(report.policy_findings.size() == 1);
    CHECK(report.policy_findings[0].component == "layers.0–2.mlp, layers.4–5.mlp");
    CHECK(report.policy_findings[0].components.size() == 5);
    CHECK(report.policy_findings[0].message.find("p ≤ 1.0e-30") != std::string::npos);
}
