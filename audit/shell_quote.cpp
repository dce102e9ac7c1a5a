// Shell quoting (see shell_quote.h). An allow-list of plain characters rather than a list of
// special ones: anything unusual (spaces, globs, ~, !, non-ASCII) gets quoted.
#include "audit/shell_quote.h"

namespace lineage::audit {

std::string shell_quote(const std::string& s) {
    if (!s.empty() && s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                          "0123456789@%_+=:,./-") == std::string::npos)
        return s;
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

}  // namespace lineage::audit
