// Locale-free number formatting used by every renderer.
#include <doctest/doctest.h>

#include <cmath>

#include "reports/number_format.h"

using namespace lineage::reports;

TEST_CASE("fixed, p-values, JSON numbers, percentages, grouping") {
    CHECK(fixed(0.98765, 3) == "0.988");
    CHECK(fixed(-0.0001, 2) == "0.00");
    CHECK(fixed(NAN, 2) == "n/a");
    CHECK(p_value_text(0.42) == "0.42");
    CHECK(p_value_text(0.031) == "0.031");
    CHECK(p_value_text(3.21e-7) == "3.2e-07");
    CHECK(p_value_text(0.0) == "< 1e-300");
    CHECK(p_value_text(std::nullopt) == "n/a");
    CHECK(json_number(0.1234567) == "0.123457");
    CHECK(json_number(1.5e-9) == "1.5e-09");
    CHECK(json_number(42.0) == "42");
    CHECK(json_number(INFINITY) == "null");
    CHECK(percent(0.125) == "12.5%");
    CHECK(grouped(1234567) == "1,234,567");
    CHECK(grouped(-1000) == "-1,000");
    CHECK(grouped(12) == "12");
}
