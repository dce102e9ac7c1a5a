// Number formatting through std::to_chars (locale-free, shortest round trip when asked).
#include "reports/number_format.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace lineage::reports {

namespace {

std::string chars(double value, std::chars_format format, int precision) {
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, value, format, precision);
    return std::string(buf, res.ptr);
}

std::string non_finite(double value) {
    if (std::isnan(value)) return "n/a";
    return value > 0 ? "inf" : "-inf";
}

}  // namespace

std::string fixed(double value, int digits) {
    if (!std::isfinite(value)) return non_finite(value);
    std::string s = chars(value, std::chars_format::fixed, digits);
    // "-0.000" reads as a sign error in a table; a rounded zero has no sign.
    if (s[0] == '-' && s.find_first_not_of("-0.") == std::string::npos) s.erase(0, 1);
    return s;
}

std::string p_value_text(std::optional<double> p) {
    if (!p) return "n/a";
    double v = *p;
    if (std::isnan(v)) return "n/a";
    if (v <= 0) return "< 1e-300";
    if (v >= 0.01) return fixed(v, v >= 0.1 ? 2 : 3);
    return chars(v, std::chars_format::scientific, 1);
}

std::string json_number(double value, int significant) {
    if (!std::isfinite(value)) return "null";
    if (value == 0) return "0";
    if (value == std::floor(value) && std::fabs(value) < 1e15) {
        return chars(value, std::chars_format::fixed, 0);
    }
    // Round to `significant` digits, then print the shortest form that reads back as that value.
    std::string rounded = chars(value, std::chars_format::scientific, significant - 1);
    double r = std::strtod(rounded.c_str(), nullptr);
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, r);
    return std::string(buf, res.ptr);
}

std::string percent(double fraction, int digits) {
    if (!std::isfinite(fraction)) return non_finite(fraction);
    return fixed(fraction * 100.0, digits) + "%";
}

std::string grouped(long long value) {
    unsigned long long magnitude = value < 0 ? 0ULL - static_cast<unsigned long long>(value)
                                             : static_cast<unsigned long long>(value);
    std::string digits = std::to_string(magnitude);
    std::string out;
    int n = static_cast<int>(digits.size());
    for (int i = 0; i < n; ++i) {
        out += digits[i];
        if ((n - 1 - i) % 3 == 0 && i != n - 1) out += ',';
    }
    return value < 0 ? "-" + out : out;
}

}  // namespace lineage::reports
