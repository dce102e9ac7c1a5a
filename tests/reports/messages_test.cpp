// The message tables: both languages define the same keys with the same placeholders, no key is
// defined twice, and lookups and formatting behave.
#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>

#include "reports/i18n/messages.h"
#include "weights/core/error.h"

using namespace lineage::reports;

namespace {

std::set<std::string> placeholders(std::string_view text) {
    std::set<std::string> out;
    for (std::size_t i = 0; i + 2 < text.size(); ++i) {
        if (text[i] == '{' && text[i + 1] >= '0' && text[i + 1] <= '9' && text[i + 2] == '}') {
            out.insert(std::string(text.substr(i, 3)));
        }
    }
    return out;
}

std::map<std::string, std::string> as_map(Language lang) {
    std::map<std::string, std::string> m;
    for (const auto& msg : message_table(lang)) {
        CHECK_MESSAGE(m.emplace(std::string(msg.key), std::string(msg.text)).second,
                      "duplicate key ", msg.key, " in ", language_code(lang));
    }
    return m;
}

}  // namespace

TEST_CASE("English and Korean define the same keys with the same placeholders") {
    auto en = as_map(Language::en);
    auto ko = as_map(Language::ko);
    for (const auto& [k, text] : en) {
        auto it = ko.find(k);
        CHECK_MESSAGE(it != ko.end(), "missing in ko: ", k);
        if (it != ko.end()) {
            CHECK_MESSAGE(placeholders(text) == placeholders(it->second),
                          "placeholders differ: ", k);
            CHECK_MESSAGE(!it->second.empty(), "empty ko text: ", k);
        }
    }
    for (const auto& [k, text] : ko) CHECK_MESSAGE(en.count(k) == 1, "missing in en: ", k);
    CHECK(en.size() > 150);
}

TEST_CASE("lookup, formatting and language codes") {
    CHECK(message(Language::en, "ui.outcome.pass") == "PASS");
    CHECK(message(Language::ko, "ui.outcome.pass") == "통과");
    CHECK(format(Language::en, "cli.components", {"1", "2", "3"}) ==
          "Components: 1 derived, 2 independent, 3 undecided");
    CHECK(substitute("{1}-{0}-{2}-{x}", {"a", "b"}) == "b-a-{2}-{x}");
    CHECK(parse_language("ko") == Language::ko);
    CHECK(language_code(Language::en) == "en");
    CHECK_THROWS_AS(parse_language("fr"), lineage::UsageError);
    CHECK_THROWS_AS(message(Language::en, "no.such.key"), lineage::InternalError);
    CHECK_FALSE(has_message(Language::ko, "no.such.key"));
}
