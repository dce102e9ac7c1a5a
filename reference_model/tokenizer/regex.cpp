// PCRE2 wrapper (see regex.h). Match data is kept per thread so that a shared const Tokenizer can
// encode from several threads.
#define PCRE2_CODE_UNIT_WIDTH 8
#include "reference_model/tokenizer/regex.h"

#include <pcre2.h>

#include "reference_model/tokenizer/utf8.h"
#include "weights/core/error.h"

namespace lineage::model {

struct Regex::Impl {
    pcre2_code* code = nullptr;
    ~Impl() {
        if (code) pcre2_code_free(code);
    }
};

namespace {

// One match-data block per thread, grown on demand (ovector of 1 pair is all we read).
pcre2_match_data* thread_match_data() {
    struct Holder {
        pcre2_match_data* data = pcre2_match_data_create(1, nullptr);
        ~Holder() { pcre2_match_data_free(data); }
    };
    thread_local Holder holder;
    return holder.data;
}

}  // namespace

Regex::Regex(std::string_view pattern, std::string_view where) : pattern_(pattern), impl_(new Impl) {
    int error_code = 0;
    PCRE2_SIZE error_offset = 0;
    impl_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                PCRE2_UTF | PCRE2_UCP, &error_code, &error_offset, nullptr);
    if (!impl_->code) {
        PCRE2_UCHAR buffer[256];
        pcre2_get_error_message(error_code, buffer, sizeof buffer);
        std::string shown(pattern.substr(0, 80));
        throw InputError(where, "invalid regex '" + shown + "' at offset " +
                                    std::to_string(error_offset) + ": " +
                                    reinterpret_cast<const char*>(buffer));
    }
    pcre2_jit_compile(impl_->code, PCRE2_JIT_COMPLETE);  // falls back to the interpreter if absent
}

Regex::~Regex() = default;
Regex::Regex(Regex&&) noexcept = default;
Regex& Regex::operator=(Regex&&) noexcept = default;

std::vector<std::pair<std::size_t, std::size_t>> Regex::find_all(std::string_view text) const {
    std::vector<std::pair<std::size_t, std::size_t>> out;
    pcre2_match_data* md = thread_match_data();
    auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    std::size_t pos = 0;
    std::size_t last_end = static_cast<std::size_t>(-1);
    while (pos <= text.size()) {
        int rc = pcre2_match(impl_->code, subject, text.size(), pos, PCRE2_NO_UTF_CHECK, md, nullptr);
        if (rc == PCRE2_ERROR_NOMATCH) break;
        if (rc < 0) {
            PCRE2_UCHAR buffer[256];
            pcre2_get_error_message(rc, buffer, sizeof buffer);
            throw InputError("regex '" + pattern_.substr(0, 80) +
                             "': matching failed: " + reinterpret_cast<const char*>(buffer));
        }
        PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
        std::size_t start = ov[0], end = ov[1];
        if (start == end) {
            if (start != last_end) out.emplace_back(start, end);
            if (start >= text.size()) break;
            pos = start + utf8::sequence_length(static_cast<unsigned char>(text[start]));
            last_end = end;
            continue;
        }
        out.emplace_back(start, end);
        pos = end;
        last_end = end;
    }
    return out;
}

bool Regex::search(std::string_view text) const {
    pcre2_match_data* md = thread_match_data();
    int rc = pcre2_match(impl_->code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), 0,
                         PCRE2_NO_UTF_CHECK, md, nullptr);
    return rc >= 0;
}

std::string Regex::escape(std::string_view literal) {
    std::string out = "\\Q";
    std::size_t start = 0;
    // \Q...\E quotes everything except a literal "\E", which is split out.
    for (std::size_t p; (p = literal.find("\\E", start)) != std::string_view::npos; start = p + 2) {
        out.append(literal.substr(start, p - start));
        out += "\\E\\\\E\\Q";
    }
    out.append(literal.substr(start));
    out += "\\E";
    return out;
}

}  // namespace lineage::model
