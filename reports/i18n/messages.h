// Every string a reader of a report sees, per language, looked up by key. The tables live in
// messages_en.cpp and messages_ko.cpp; both define exactly the same keys (a test checks it), so a
// report in either language says the same things. Texts may hold positional placeholders {0}, {1},
// ... that format() fills. Keys are grouped by prefix: "ui." for the renderers' fixed labels,
// "verdict.", "relation.", "component.", "policy.", "pitfall.", "guide.", "audit." for the texts
// the audit writes into a report.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

namespace lineage::reports {

enum class Language : std::uint8_t { en, ko };

// "en" | "ko"; throws UsageError for anything else.
Language parse_language(std::string_view code);
std::string_view language_code(Language lang);

struct Message {
    std::string_view key;
    std::string_view text;
};

// The raw table of one language, in the order written.
std::span<const Message> message_table(Language lang);

// The text for `key`; throws InternalError naming the key when it is missing (a bug).
std::string_view message(Language lang, std::string_view key);
// True when `key` exists in the table of `lang`.
bool has_message(Language lang, std::string_view key);

// The text for `key` with {0}, {1}, ... replaced by `args` in order.
std::string format(Language lang, std::string_view key,
                   std::initializer_list<std::string_view> args);
// Replaces {0}, {1}, ... in any text (used by format()).
std::string substitute(std::string_view text, std::initializer_list<std::string_view> args);

}  // namespace lineage::reports
