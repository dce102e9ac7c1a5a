// Labels and sorted views shared by the text renderings.
#include "reports/render_common.h"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace lineage::reports::detail {

std::string_view outcome_label(Language lang, Outcome o) {
    switch (o) {
        case Outcome::pass:
            return message(lang, "ui.outcome.pass");
        case Outcome::fail:
            return message(lang, "ui.outcome.fail");
        case Outcome::inconclusive:
            break;
    }
    return message(lang, "ui.outcome.inconclusive");
}

std::string_view relation_label(Language lang, Relation r) {
    switch (r) {
        case Relation::derived:
            return message(lang, "ui.relation.derived");
        case Relation::independent:
            return message(lang, "ui.relation.independent");
        case Relation::inconclusive:
            break;
    }
    return message(lang, "ui.relation.inconclusive");
}

std::string_view severity_label(Language lang, std::string_view severity) {
    std::string key = "ui.severity." + std::string(severity);
    return has_message(lang, key) ? message(lang, key) : severity;
}

std::string_view note_label(Language lang, NoteKind k) {
    switch (k) {
        case NoteKind::info:
            return message(lang, "ui.note.info");
        case NoteKind::pitfall:
            return message(lang, "ui.note.pitfall");
        case NoteKind::warning:
            break;
    }
    return message(lang, "ui.note.warning");
}

std::string_view artifact_role_label(Language lang, std::string_view role) {
    std::string key = "ui.role." + std::string(role);
    return has_message(lang, key) ? message(lang, key) : role;
}

std::vector<std::pair<std::string, std::string>> sorted_parameters(const ReproRecord& r) {
    auto items = r.parameters;
    std::stable_sort(items.begin(), items.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    return items;
}

std::vector<std::pair<std::string, std::string>> sorted_seeds(const ReproRecord& r) {
    std::vector<std::pair<std::string, std::string>> items;
    for (const auto& [k, v] : r.seeds) items.emplace_back(k, std::to_string(v));
    std::stable_sort(items.begin(), items.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    return items;
}

std::string source_text(const ComponentRecord& c) {
    if (c.relation != Relation::derived || c.source_base.empty()) return "";
    return c.source_component.empty() ? c.source_base : c.source_base + ": " + c.source_component;
}

namespace {

// True when `text` ends with a URL scheme name ("https", "data", "javascript", ...).
bool ends_with_scheme(std::string_view text) {
    static constexpr std::string_view schemes[] = {"http",       "https", "ftp", "file",   "data",
                                                   "javascript", "ws",    "wss", "mailto", "blob"};
    for (std::string_view s : schemes) {
        if (text.size() < s.size()) continue;
        std::string_view tail = text.substr(text.size() - s.size());
        bool same = std::equal(tail.begin(), tail.end(), s.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) == b;
        });
        if (same) return true;
    }
    return false;
}

}  // namespace

std::string html(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 8);
    for (char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            // Text may quote a URL or markup (a model card, a hostile tensor name). Written as
            // entities, "https:" and "src=" never appear literally in the page, so a plain text
            // search for external references stays meaningful; browsers show the same characters.
            case ':':
                out += ends_with_scheme(out) ? "&#58;" : ":";
                break;
            case '=':
                out += "&#61;";
                break;
            default:
                // Control characters other than tab/newline have no place in a page.
                if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n') {
                    out += ' ';
                } else {
                    out += c;
                }
        }
    }
    return out;
}

double heatmap_value(const Heatmap& h, std::size_t r, std::size_t c) {
    std::size_t i = r * h.columns() + c;
    return i < h.values.size() ? h.values[i] : NAN;
}

}  // namespace lineage::reports::detail
