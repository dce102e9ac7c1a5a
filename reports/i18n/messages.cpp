// Lookup and formatting over the per-language message tables. Each table is indexed once, on first
// use, into a sorted vector of views (the tables are static, so the views never dangle).
#include "reports/i18n/messages.h"

#include <algorithm>
#include <vector>

#include "weights/core/error.h"

namespace lineage::reports {

std::span<const Message> messages_en();
std::span<const Message> messages_ko();

Language parse_language(std::string_view code) {
    if (code == "en") return Language::en;
    if (code == "ko") return Language::ko;
    throw UsageError("--lang: unknown language '" + std::string(code) + "' (expected en or ko)");
}

std::string_view language_code(Language lang) {
    return lang == Language::ko ? "ko" : "en";
}

std::span<const Message> message_table(Language lang) {
    return lang == Language::ko ? messages_ko() : messages_en();
}

namespace {

const std::vector<Message>& sorted_table(Language lang) {
    static const auto build = [](Language l) {
        auto table = message_table(l);
        std::vector<Message> sorted(table.begin(), table.end());
        std::stable_sort(sorted.begin(), sorted.end(),
                         [](const Message& a, const Message& b) { return a.key < b.key; });
        return sorted;
    };
    static const std::vector<Message> en = build(Language::en);
    static const std::vector<Message> ko = build(Language::ko);
    return lang == Language::ko ? ko : en;
}

const Message* lookup(Language lang, std::string_view key) {
    const auto& table = sorted_table(lang);
    auto it = std::lower_bound(table.begin(), table.end(), key,
                               [](const Message& m, std::string_view k) { return m.key < k; });
    return it != table.end() && it->key == key ? &*it : nullptr;
}

}  // namespace

bool has_message(Language lang, std::string_view key) {
    return lookup(lang, key) != nullptr;
}

std::string_view message(Language lang, std::string_view key) {
    if (const Message* m = lookup(lang, key)) return m->text;
    throw InternalError("reports: message '" + std::string(key) + "' missing for language " +
                        std::string(language_code(lang)));
}

std::string substitute(std::string_view text, std::initializer_list<std::string_view> args) {
    std::string out;
    out.reserve(text.size() + 16);
    for (std::size_t i = 0; i < text.size(); ++i) {
        // "{N}" with a single digit N names args[N]; anything else is copied as written.
        if (text[i] == '{' && i + 2 < text.size() && text[i + 1] >= '0' && text[i + 1] <= '9' &&
            text[i + 2] == '}') {
            std::size_t n = static_cast<std::size_t>(text[i + 1] - '0');
            if (n < args.size()) {
                out += *(args.begin() + n);
                i += 2;
                continue;
            }
        }
        out += text[i];
    }
    return out;
}

std::string format(Language lang, std::string_view key,
                   std::initializer_list<std::string_view> args) {
    return substitute(message(lang, key), args);
}

}  // namespace lineage::reports
