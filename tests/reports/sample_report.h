// A Report holding every kind of block, hostile text included (markup, quotes, a URL, control
// characters), shared by the renderer tests.
#pragma once

#include <cmath>

#include "reports/document.h"

namespace lineage::reports::testing {

inline Report sample_report(Language lang = Language::en) {
    Report r;
    r.language = lang;
    r.title = lang == Language::ko ? "모델 계보 감사 보고서" : "Model lineage audit";
    r.subject = "evil<script>alert(1)</script> — /models/cand";
    r.verdict = {Outcome::fail, "2 of 4 components descend from \"base\" <b>&</b>"};
    r.components.push_back({"embeddings", Relation::derived, "llama-base", "embeddings", 1e-12,
                            "pearson", 0.993, "", "p below threshold"});
    r.components.push_back({"layers.0.attention", Relation::independent, "", "", 0.42, "cka", 0.031,
                            "3/3", "inside null | with power"});
    r.components.push_back({"layers.0.mlp", Relation::inconclusive, "", "", std::nullopt, "",
                            std::nullopt, "", "no controls"});
    r.components.push_back({"lm_head", Relation::derived, "llama-base", "lm_head", std::nullopt, "",
                            std::nullopt, "", "exact reuse"});
    r.policy_findings.push_back({"weights-derived",
                                 "fail",
                                 "weight-lineage",
                                 "embeddings",
                                 {"embeddings"},
                                 "llama-base",
                                 "derived from llama-base"});
    r.repro.tool_version = "0.1.0";
    r.repro.git_revision = "abc123";
    r.repro.build_type = "Release";
    r.repro.compiler = "GNU 12.2.0";
    r.repro.generated_at = "2026-01-01T00:00:00Z";
    r.repro.command = "lineage audit /models/cand --base /models/base";
    r.repro.artifacts.push_back({"candidate", "cand", "/models/cand", "sha256:00ff"});
    r.repro.artifacts.push_back({"base", "llama-base", "/models/base", ""});
    r.repro.policy_name = "independent-foundation";
    r.repro.policy_version = "1.0.0";
    r.repro.parameters = {{"zeta", "1"}, {"alpha", "0.5"}, {"mid", "x"}};
    r.repro.seeds = {{"shuffle", 42}, {"controls", 7}};

    Section s{"evidence", "Evidence", {}};
    s.blocks.push_back(
        Paragraph{"See https://example.com/x <img src=\"https://evil.example/a.png\"> & more"});
    s.blocks.push_back(KeyValueList{"Figures", {{"key <k>", "value \"v\""}, {"second", "2"}}});
    Table t;
    t.caption = "A table";
    t.columns = {"name", "value"};
    t.numeric = {false, true};
    t.rows = {{{"a|b", Tone::bad}, {"1.000", Tone::neutral}},
              {{"c", Tone::good}, {"2.500", Tone::muted}}};
    s.blocks.push_back(t);
    Heatmap h;
    h.title = "MLP: candidate layers × base layers";
    h.row_label = "candidate";
    h.column_label = "base";
    h.row_ticks = {"0", "1", "2"};
    h.column_ticks = {"0", "1", "2", "3"};
    h.values = {0.9, 0.1, 0.0, 0.05, 0.1, 0.95, 0.1, NAN, 0.0, 0.1, 0.2, 0.97};
    h.marked = {{0, 0}, {1, 1}, {2, 3}};
    h.value_label = "-log10 p";
    s.blocks.push_back(h);
    Chart c;
    c.kind = ChartKind::bar;
    c.title = "Tokenizer overlap";
    c.categories = {"base-a", "base-b"};
    c.series = {{"Jaccard", {0.3, 0.95}, Tone::neutral}, {"order", {0.02, NAN}, Tone::warn}};
    c.bands = {{"unrelated", 0.01, 0.05}};
    s.blocks.push_back(c);
    Chart line = c;
    line.kind = ChartKind::line;
    line.title = "CKA profile";
    s.blocks.push_back(line);
    s.blocks.push_back(Note{NoteKind::pitfall, "Norm cosine", "About 0.99 for unrelated models."});
    r.sections.push_back(s);
    return r;
}

}  // namespace lineage::reports::testing
