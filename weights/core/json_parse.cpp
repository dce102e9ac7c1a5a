// See json_parse.h.
#include "weights/core/json_parse.h"

#include "weights/core/error.h"

namespace lineage {

std::string widen_big_integers(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 16);
    bool in_string = false;
    for (std::size_t i = 0; i < text.size();) {
        const char c = text[i];
        if (in_string) {
            out += c;
            if (c == '\\' && i + 1 < text.size()) out += text[++i];
            else if (c == '"') in_string = false;
            ++i;
            continue;
        }
        if (c == '"') {
            in_string = true;
            out += c;
            ++i;
            continue;
        }
        if ((c >= '0' && c <= '9') || c == '-') {
            std::size_t j = i + (c == '-' ? 1 : 0);
            while (j < text.size() && text[j] >= '0' && text[j] <= '9') ++j;
            const bool plain_integer =
                j == text.size() || (text[j] != '.' && text[j] != 'e' && text[j] != 'E');
            out.append(text.substr(i, j - i));
            if (plain_integer && j - i > 18) out += ".0";
            i = j;
            continue;
        }
        out += c;
        ++i;
    }
    return out;
}

simdjson::dom::element parse_json_dom(simdjson::dom::parser& parser,
                                      const simdjson::padded_string& text, std::string_view where) {
    simdjson::dom::element root;
    auto error = parser.parse(text).get(root);
    if (error == simdjson::NUMBER_ERROR) {
        const simdjson::padded_string widened(
            widen_big_integers(std::string_view(text.data(), text.size())));
        error = parser.parse(widened).get(root);
    }
    if (error) throw InputError(where, std::string("invalid JSON: ") + simdjson::error_message(error));
    return root;
}

}  // namespace lineage
