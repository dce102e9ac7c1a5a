// simdjson DOM helpers shared by the tokenizer file parsers (see json_dom.h).
#include "reference_model/tokenizer/json_dom.h"

#include <sys/mman.h>

#include <cstdint>
#include <fstream>

#include "weights/core/error.h"
#include "weights/core/json_parse.h"

namespace lineage::model::json_dom {

namespace dom = simdjson::dom;

void fail(std::string_view where, std::string_view field, std::string_view problem) {
    if (field.empty()) throw InputError(where, problem);
    throw InputError(where, "field '" + std::string(field) + "': " + std::string(problem));
}

namespace {

// Large tokenizer files (10-30 MB) make the parse touch 30-50 MB of fresh memory: the file's
// bytes and simdjson's structural index, tape and string buffer. At 4 KiB a page fault each,
// faults cost about as much as the parse itself on virtual machines (~2.3 us a page on the
// development VM); asking for transparent huge pages on these buffers takes one fault per 2 MiB
// instead. Advice only: where THP is off or unavailable nothing changes.
constexpr std::size_t kHugePageWorthwhile = std::size_t(4) << 20;

void advise_huge_pages(const void* data, std::size_t bytes) {
#ifdef MADV_HUGEPAGE
    if (bytes < kHugePageWorthwhile) return;
    constexpr std::uintptr_t kPage = 4096;
    const auto first = (reinterpret_cast<std::uintptr_t>(data) + kPage - 1) & ~(kPage - 1);
    const auto last = (reinterpret_cast<std::uintptr_t>(data) + bytes) & ~(kPage - 1);
    if (last > first) (void)::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#else
    (void)data;
    (void)bytes;
#endif
}

}  // namespace

simdjson::padded_string read_file(const std::filesystem::path& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        throw InputError(path.string(), "is a folder; expected a JSON file");
    if (!std::filesystem::exists(path, ec)) throw InputError(path.string(), "no such file");
    std::ifstream in(path, std::ios::binary);
    const std::uintmax_t size = std::filesystem::file_size(path, ec);
    if (!in || ec) throw InputError(path.string(), "cannot read file");
    simdjson::padded_string text(static_cast<std::size_t>(size));
    if (text.data() == nullptr) throw InputError(path.string(), "file too large to read into memory");
    advise_huge_pages(text.data(), text.size());
    in.read(text.data(), static_cast<std::streamsize>(size));
    if (static_cast<std::uintmax_t>(in.gcount()) != size) throw InputError(path.string(), "cannot read file (short read)");
    return text;
}

dom::element parse(dom::parser& parser, const simdjson::padded_string& text, std::string_view where) {
    // Allocate simdjson's buffers for this document up front (parse would do the same) so that
    // they can take the huge-page advice before anything touches them. The buffers are public
    // members of simdjson's parser, documented as internal: this needs simdjson 3.x.
    if (text.size() >= kHugePageWorthwhile && parser.capacity() < text.size() && !parser.allocate(text.size())) {
        advise_huge_pages(parser.doc.tape.get(), (text.size() + 2) * sizeof(std::uint64_t));
        advise_huge_pages(parser.doc.string_buf.get(), 5 * text.size() / 3);
        if (parser.implementation)
            advise_huge_pages(parser.implementation->structural_indexes.get(), (text.size() + 2) * sizeof(std::uint32_t));
    }
    return parse_json_dom(parser, text, where);
}

JsonValue to_json_value(dom::element element) {
    switch (element.type()) {
        case dom::element_type::ARRAY: {
            JsonValue::Array out;
            for (dom::element item : dom::array(element)) out.push_back(to_json_value(item));
            return JsonValue(std::move(out));
        }
        case dom::element_type::OBJECT: {
            JsonValue::Object out;
            for (dom::key_value_pair kv : dom::object(element)) {
                bool replaced = false;  // duplicate keys: the last one wins, keys stay unique
                for (auto& [k, v] : out)
                    if (k == kv.key) {
                        v = to_json_value(kv.value);
                        replaced = true;
                    }
                if (!replaced) out.emplace_back(std::string(kv.key), to_json_value(kv.value));
            }
            return JsonValue(std::move(out));
        }
        case dom::element_type::INT64: return JsonValue(std::int64_t(element));
        case dom::element_type::UINT64: return JsonValue(std::uint64_t(element));
        case dom::element_type::DOUBLE: return JsonValue(double(element));
        case dom::element_type::STRING: return JsonValue(std::string_view(element));
        case dom::element_type::BOOL: return JsonValue(bool(element));
        case dom::element_type::NULL_VALUE: return JsonValue();
    }
    return JsonValue();
}

std::optional<dom::element> optional_field(dom::object object, std::string_view key) {
    dom::element value;
    if (object.at_key(key).get(value)) return std::nullopt;
    if (value.is_null()) return std::nullopt;
    return value;
}

std::optional<std::string> optional_string(dom::object object, std::string_view key,
                                           std::string_view where, std::string_view field) {
    auto value = optional_field(object, key);
    if (!value) return std::nullopt;
    std::string_view s;
    if (value->get_string().get(s)) fail(where, field, "expected a string");
    return std::string(s);
}

std::optional<bool> optional_bool(dom::object object, std::string_view key, std::string_view where,
                                  std::string_view field) {
    auto value = optional_field(object, key);
    if (!value) return std::nullopt;
    bool b = false;
    if (value->get_bool().get(b)) fail(where, field, "expected true or false");
    return b;
}

std::optional<std::int64_t> optional_int(dom::object object, std::string_view key,
                                         std::string_view where, std::string_view field) {
    auto value = optional_field(object, key);
    if (!value) return std::nullopt;
    std::int64_t i = 0;
    if (value->get_int64().get(i)) fail(where, field, "expected an integer");
    return i;
}

std::optional<double> optional_number(dom::object object, std::string_view key,
                                      std::string_view where, std::string_view field) {
    auto value = optional_field(object, key);
    if (!value) return std::nullopt;
    double d = 0;
    if (value->get_double().get(d)) fail(where, field, "expected a number");
    return d;
}

}  // namespace lineage::model::json_dom
