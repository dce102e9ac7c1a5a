// The report as a document, independent of any output format and of the probes that produced its
// figures: a verdict banner, a machine record of per-component verdicts, a reproducibility record,
// and sections of blocks (paragraphs, key-value lists, tables, heatmaps, charts, notes). The audit
// fills a Report with text already written in the report's language (reports/i18n); the renderers
// (render_json.h, render_markdown.h, render_html.h) only lay it out. Everything a renderer prints
// comes from here, so two runs that fill the same Report give byte-identical documents.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "reports/i18n/messages.h"

namespace lineage::reports {

// Model-level outcome under a policy.
enum class Outcome : std::uint8_t { pass, fail, inconclusive };
// Per-component weight relation.
enum class Relation : std::uint8_t { derived, independent, inconclusive };
// How a cell, note or series is coloured: semantic, so each renderer picks its own means.
enum class Tone : std::uint8_t { neutral, good, bad, warn, muted };

std::string_view outcome_name(Outcome o);    // "pass" | "fail" | "inconclusive" (JSON values)
std::string_view relation_name(Relation r);  // "derived" | "independent" | "inconclusive"
Tone outcome_tone(Outcome o);
Tone relation_tone(Relation r);
std::string_view tone_name(Tone t);  // "neutral" | "good" | "bad" | "warn" | "muted"

// The banner at the top: outcome, a one-line reason, and the policy it was decided under.
struct VerdictBanner {
    Outcome outcome = Outcome::inconclusive;
    std::string reason;  // one line, in the report's language
};

// One row of the machine record (`components` in the JSON).
struct ComponentRecord {
    std::string name;  // candidate component: "embeddings", "layers.3.attention", "lm_head", ...
    Relation relation = Relation::inconclusive;
    std::string source_base;        // derived: the base model's label; else empty
    std::string source_component;   // derived: the base's component, e.g. "layers.5.attention"
    std::optional<double> p_value;  // combined evidence against independence
    std::string statistic;          // name of the deciding statistic, "" if none
    std::optional<double> statistic_value;
    std::string power;   // independent: the positive controls detected, e.g. "3/3"
    std::string reason;  // one line, in the report's language
};

// A policy rule that fired (`policy_findings` in the JSON).
struct PolicyFinding {
    std::string rule;      // the rule's id in the policy file
    std::string severity;  // "fail" | "warn" | "inform"
    std::string kind;  // finding kind: "weight-lineage", "tokenizer", "architecture", "behaviour"
    std::string component;  // the components it concerns, summarised ("layers.0–7.mlp"); "" = model
    std::vector<std::string> components;  // the same, listed one by one
    std::string base;                     // base model label or ""
    std::string message;                  // one line, in the report's language
};

// A file the audit read, identified by content.
struct ArtifactRecord {
    std::string role;    // "candidate" | "base" | "policy" | "registry"
    std::string label;   // short name shown in tables
    std::string path;    // as given on the command line
    std::string digest;  // "sha256:<hex>" of the content, or "" when not computed
};

// Everything needed to rerun the audit and get the same verdict and figures.
struct ReproRecord {
    std::string tool_version, git_revision, build_type, compiler;
    bool cuda_built = false;
    std::string generated_at;  // ISO 8601 UTC; the only field that differs between reruns
    std::string command;       // the command line, arguments quoted
    std::vector<ArtifactRecord> artifacts;  // candidate first, then bases, then policy
    std::string policy_name, policy_version;
    std::vector<std::pair<std::string, std::string>> parameters;  // sorted by key when rendered
    std::vector<std::pair<std::string, std::uint64_t>> seeds;     // sorted by key when rendered
};

// ---- blocks -----------------------------------------------------------------------------------

struct Paragraph {
    std::string text;
};

struct KeyValueList {
    std::string title;                                       // may be empty
    std::vector<std::pair<std::string, std::string>> items;  // kept in the given order
};

struct TableCell {
    std::string text;
    Tone tone = Tone::neutral;
};

struct Table {
    std::string caption;
    std::vector<std::string> columns;
    std::vector<bool> numeric;  // per column: right-aligned, monospace digits (may be shorter)
    std::vector<std::vector<TableCell>> rows;
    // Long detail tables: the HTML page shows them folded (<details>, no script needed).
    bool collapsible = false;
    std::vector<bool> wide;  // per column: free text that needs room (may be shorter)
};

// A named matrix, e.g. candidate layer (rows) x base layer (columns) similarity.
struct Heatmap {
    std::string title;
    std::string caption;
    std::string row_label, column_label;  // axis titles
    std::vector<std::string> row_ticks, column_ticks;
    std::vector<double> values;               // rows x columns, row-major; NaN = not measured
    double scale_min = 0.0, scale_max = 1.0;  // colour scale
    std::string value_label;                  // what a value is, e.g. "neuron-matching -log10 p"
    std::vector<std::pair<int, int>> marked;  // (row, column) cells to outline: the aligned map
    std::size_t rows() const { return row_ticks.size(); }
    std::size_t columns() const { return column_ticks.size(); }
};

enum class ChartKind : std::uint8_t { bar, line };

struct Series {
    std::string name;
    std::vector<double> values;  // one per category; NaN = missing
    Tone tone = Tone::neutral;
};

// A shaded horizontal band, e.g. "independent pairs: 0.01-0.05".
struct ReferenceBand {
    std::string label;
    double low = 0.0, high = 0.0;
};

struct Chart {
    ChartKind kind = ChartKind::bar;
    std::string title;
    std::string caption;
    std::string x_label, y_label;
    std::vector<std::string> categories;  // x positions
    std::vector<Series> series;
    std::vector<ReferenceBand> bands;
    double y_min = 0.0, y_max = 1.0;
};

enum class NoteKind : std::uint8_t { info, pitfall, warning };

struct Note {
    NoteKind kind = NoteKind::info;
    std::string title;
    std::string text;
};

using Block = std::variant<Paragraph, KeyValueList, Table, Heatmap, Chart, Note>;

struct Section {
    std::string id;  // stable anchor: "components", "how-to-read", ... ([a-z0-9-])
    std::string title;
    std::vector<Block> blocks;
};

struct Report {
    Language language = Language::en;
    std::string title;
    std::string subject;  // the candidate's label, shown under the title
    VerdictBanner verdict;
    std::vector<ComponentRecord> components;
    std::vector<PolicyFinding> policy_findings;
    ReproRecord repro;
    std::vector<Section> sections;
};

}  // namespace lineage::reports
