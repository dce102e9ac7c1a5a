// Fixed, locale-independent number formatting for every figure a report prints, so reruns give the
// same text: std::to_chars never consults the C locale. NaN and infinities print as "n/a", "inf".
#pragma once

#include <optional>
#include <string>

namespace lineage::reports {

// `digits` after the decimal point: fixed(0.98765, 3) == "0.988".
std::string fixed(double value, int digits);
// p-values for people: "0.42", "0.031", "3.2e-07", "< 1e-300" for 0; "n/a" when absent.
std::string p_value_text(std::optional<double> p);
// A JSON number: `significant` digits in shortest general form ("0.000123", "1.5e-09", "42");
// non-finite values have no JSON form and return "null".
std::string json_number(double value, int significant = 6);
// "12.5%" from a fraction 0.125.
std::string percent(double fraction, int digits = 1);
// "1,234,567" (thousands separated by commas; Korean reports use the same convention).
std::string grouped(long long value);

}  // namespace lineage::reports
