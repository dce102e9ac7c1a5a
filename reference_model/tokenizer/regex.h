// A compiled PCRE2 pattern (UTF + UCP, JIT when available) standing in for the Oniguruma regexes
// of the `tokenizers` library: \s, \p{L}, \p{N} and (?i:...) behave the same on valid UTF-8.
// find_all reports non-overlapping matches left to right; after an empty match the search moves
// on one character, and an empty match right where the previous match ended is not reported.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lineage::model {

class Regex {
public:
    // Throws InputError "<where>: invalid regex '<pattern>': <reason>".
    Regex(std::string_view pattern, std::string_view where);
    ~Regex();
    Regex(Regex&&) noexcept;
    Regex& operator=(Regex&&) noexcept;

    // [start, end) byte offsets of every match in `text` (valid UTF-8).
    std::vector<std::pair<std::size_t, std::size_t>> find_all(std::string_view text) const;
    // True when the pattern matches somewhere in text.
    bool search(std::string_view text) const;

    const std::string& pattern() const { return pattern_; }

    // Escapes every regex metacharacter so that `literal` matches itself.
    static std::string escape(std::string_view literal);

private:
    struct Impl;
    std::string pattern_;
    std::unique_ptr<Impl> impl_;
};

}  // namespace lineage::model
