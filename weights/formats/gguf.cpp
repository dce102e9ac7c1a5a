// GGUF parser (format in gguf.h). A Reader walks the bytes with every read bounds-checked; counts
// read from the file are compared with the bytes left before anything is allocated for them (each
// element takes at least one byte), so a hostile count fails fast instead of exhausting memory.
#include "weights/formats/gguf.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <unordered_set>

#include "weights/core/error.h"
#include "weights/formats/gguf_types.h"

namespace lineage::weights {
namespace {

constexpr std::uint32_t kMagic = 0x46554747;  // "GGUF" read as little-endian u32
constexpr std::uint64_t kMaxStringBytes = 1u << 30;
constexpr int kMaxArrayDepth = 2;
constexpr std::uint32_t kMaxDims = 4;  // GGML_MAX_DIMS

std::string shown(std::string_view s) {
    std::string out;
    for (char c : s) out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7F ? '?' : c);
    return out.size() > 120 ? out.substr(0, 120) + "..." : out;
}

class Reader {
public:
    Reader(std::span<const std::byte> bytes, const std::string& where) : bytes_(bytes), where_(where) {}

    [[noreturn]] void fail(const std::string& problem) const {
        throw InputError(where_, problem + " (at byte " + std::to_string(pos_) + ")");
    }
    std::uint64_t pos() const { return pos_; }
    std::uint64_t left() const { return bytes_.size() - pos_; }

    template <typename T>
    T read(const char* what) {
        if (left() < sizeof(T))
            fail(std::string("truncated: file ends inside ") + what + "; perhaps an incomplete download?");
        T v;
        std::memcpy(&v, bytes_.data() + pos_, sizeof(T));
        pos_ += sizeof(T);
        return v;
    }

    std::string read_string(const char* what) {
        const auto n = read<std::uint64_t>(what);
        if (n > left())
            fail(std::string(what) + " length " + std::to_string(n) + " runs past the end of the file (" +
                 std::to_string(left()) + " bytes left)");
        if (n > kMaxStringBytes) fail(std::string(what) + " length " + std::to_string(n) + " is implausibly large");
        std::string s(reinterpret_cast<const char*>(bytes_.data() + pos_), static_cast<std::size_t>(n));
        pos_ += n;
        return s;
    }

    // A count of elements of at least `min_bytes` each must fit in what is left.
    void check_count(std::uint64_t count, std::uint64_t min_bytes, const std::string& what) const {
        if (min_bytes != 0 && count > left() / min_bytes)
            fail(what + " count " + std::to_string(count) + " cannot fit in the " + std::to_string(left()) +
                 " bytes left (truncated or corrupt file)");
    }

private:
    std::span<const std::byte> bytes_;
    const std::string& where_;
    std::uint64_t pos_ = 0;
};

// Smallest encoded size of one value of type t (strings: their u64 length; arrays: type + count).
std::uint64_t min_value_bytes(GgufValueType t) {
    switch (t) {
        case GgufValueType::u8: case GgufValueType::i8: case GgufValueType::boolean: return 1;
        case GgufValueType::u16: case GgufValueType::i16: return 2;
        case GgufValueType::u32: case GgufValueType::i32: case GgufValueType::f32: return 4;
        case GgufValueType::u64: case GgufValueType::i64: case GgufValueType::f64: case GgufValueType::string: return 8;
        case GgufValueType::array: return 12;
    }
    return 1;
}

bool known_value_type(std::uint32_t t) { return t <= 12; }

GgufValue read_value(Reader& r, GgufValueType type, int depth, const std::string& key) {
    GgufValue v;
    v.type = type;
    switch (type) {
        case GgufValueType::u8: v.value = std::int64_t{r.read<std::uint8_t>("a u8 value")}; break;
        case GgufValueType::i8: v.value = std::int64_t{r.read<std::int8_t>("an i8 value")}; break;
        case GgufValueType::u16: v.value = std::int64_t{r.read<std::uint16_t>("a u16 value")}; break;
        case GgufValueType::i16: v.value = std::int64_t{r.read<std::int16_t>("an i16 value")}; break;
        case GgufValueType::u32: v.value = std::int64_t{r.read<std::uint32_t>("a u32 value")}; break;
        case GgufValueType::i32: v.value = std::int64_t{r.read<std::int32_t>("an i32 value")}; break;
        case GgufValueType::i64: v.value = r.read<std::int64_t>("an i64 value"); break;
        case GgufValueType::u64: {
            const auto u = r.read<std::uint64_t>("a u64 value");
            if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
                v.value = static_cast<std::int64_t>(u);
            else
                v.value = u;
            break;
        }
        case GgufValueType::f32: v.value = double{r.read<float>("an f32 value")}; break;
        case GgufValueType::f64: v.value = r.read<double>("an f64 value"); break;
        case GgufValueType::boolean: {
            const auto b = r.read<std::uint8_t>("a bool value");
            if (b > 1) r.fail("key '" + shown(key) + "': bool value " + std::to_string(b) + " is neither 0 nor 1");
            v.value = b == 1;
            break;
        }
        case GgufValueType::string: v.value = r.read_string("a string value"); break;
        case GgufValueType::array: {
            if (depth >= kMaxArrayDepth) r.fail("key '" + shown(key) + "': arrays nested more than " +
                                                std::to_string(kMaxArrayDepth) + " deep");
            const auto et = r.read<std::uint32_t>("an array element type");
            if (!known_value_type(et))
                r.fail("key '" + shown(key) + "': unknown array element type " + std::to_string(et));
            v.element_type = static_cast<GgufValueType>(et);
            const auto count = r.read<std::uint64_t>("an array length");
            r.check_count(count, min_value_bytes(v.element_type), "key '" + shown(key) + "': array");
            std::vector<GgufValue> items;
            items.reserve(static_cast<std::size_t>(count));
            for (std::uint64_t i = 0; i < count; ++i) items.push_back(read_value(r, v.element_type, depth + 1, key));
            v.value = std::move(items);
            break;
        }
    }
    return v;
}

bool valid_name(std::string_view s) {
    return !s.empty() && s.find('\0') == std::string_view::npos;
}

}  // namespace

std::string_view gguf_value_type_name(GgufValueType t) {
    static constexpr std::string_view kNames[] = {"u8", "i8", "u16", "i16", "u32", "i32", "f32",
                                                  "bool", "string", "array", "u64", "i64", "f64"};
    const auto i = static_cast<std::uint32_t>(t);
    return i < 13 ? kNames[i] : "?";
}

std::optional<std::int64_t> GgufValue::as_int() const {
    if (const auto* i = std::get_if<std::int64_t>(&value)) return *i;
    if (const auto* b = std::get_if<bool>(&value)) return *b ? 1 : 0;
    return std::nullopt;
}

std::optional<double> GgufValue::as_number() const {
    if (const auto* i = std::get_if<std::int64_t>(&value)) return static_cast<double>(*i);
    if (const auto* u = std::get_if<std::uint64_t>(&value)) return static_cast<double>(*u);
    if (const auto* d = std::get_if<double>(&value)) return *d;
    return std::nullopt;
}

const std::string* GgufValue::as_string() const { return std::get_if<std::string>(&value); }

const std::vector<GgufValue>* GgufValue::as_array() const { return std::get_if<std::vector<GgufValue>>(&value); }

std::string GgufValue::to_text() const {
    if (const auto* i = std::get_if<std::int64_t>(&value)) return std::to_string(*i);
    if (const auto* u = std::get_if<std::uint64_t>(&value)) return std::to_string(*u);
    if (const auto* d = std::get_if<double>(&value)) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.9g", *d);
        return buf;
    }
    if (const auto* b = std::get_if<bool>(&value)) return *b ? "true" : "false";
    if (const auto* s = std::get_if<std::string>(&value)) return *s;
    const auto& items = std::get<std::vector<GgufValue>>(value);
    return "[" + std::to_string(items.size()) + " x " + std::string(gguf_value_type_name(element_type)) + "]";
}

const GgufValue* GgufFile::find(std::string_view key) const {
    for (const auto& [k, v] : metadata)
        if (k == key) return &v;
    return nullptr;
}

GgufFile parse_gguf(std::span<const std::byte> file, const std::string& where) {
    Reader r(file, where);
    GgufFile out;
    if (file.size() < 4) r.fail("too short to be a GGUF file (" + std::to_string(file.size()) + " bytes)");
    const auto magic = r.read<std::uint32_t>("the magic");
    if (magic != kMagic) r.fail("not a GGUF file: bad magic (expected \"GGUF\")");
    out.version = r.read<std::uint32_t>("the version");
    if (out.version == 1)
        throw UnsupportedError(where, "GGUF version 1 (32-bit counts, 2023) is not read; re-convert with a current llama.cpp");
    if (out.version != 2 && out.version != 3)
        r.fail("unsupported GGUF version " + std::to_string(out.version) + " (expected 2 or 3)");
    const auto n_tensors = r.read<std::uint64_t>("the tensor count");
    const auto n_kv = r.read<std::uint64_t>("the metadata count");
    r.check_count(n_kv, 8 + 4 + 1, "metadata");

    std::unordered_set<std::string> keys;
    out.metadata.reserve(static_cast<std::size_t>(n_kv));
    for (std::uint64_t i = 0; i < n_kv; ++i) {
        std::string key = r.read_string("a metadata key");
        if (!valid_name(key)) r.fail("metadata key " + std::to_string(i) + " is empty or holds a NUL byte");
        if (!keys.insert(key).second) r.fail("duplicate metadata key '" + shown(key) + "'");
        const auto type = r.read<std::uint32_t>("a metadata value type");
        if (!known_value_type(type))
            r.fail("key '" + shown(key) + "': unknown value type " + std::to_string(type));
        GgufValue v = read_value(r, static_cast<GgufValueType>(type), 0, key);
        out.metadata.emplace_back(std::move(key), std::move(v));
    }

    if (const GgufValue* a = out.find("general.alignment")) {
        const auto n = a->as_int();
        if (a->type != GgufValueType::u32 || !n || *n == 0 || (*n & (*n - 1)) != 0)
            throw InputError(where, "general.alignment must be a u32 power of two (got " + a->to_text() + ")");
        out.alignment = static_cast<std::uint64_t>(*n);
    }

    r.check_count(n_tensors, 8 + 4 + 8 + 4 + 8, "tensor");
    std::unordered_set<std::string> names;
    out.tensors.reserve(static_cast<std::size_t>(n_tensors));
    for (std::uint64_t i = 0; i < n_tensors; ++i) {
        GgufTensorInfo t;
        t.name = r.read_string("a tensor name");
        if (!valid_name(t.name)) r.fail("tensor " + std::to_string(i) + " has an empty name or one with a NUL byte");
        const std::string tn = "tensor '" + shown(t.name) + "': ";
        if (!names.insert(t.name).second) r.fail("duplicate tensor name '" + shown(t.name) + "'");
        const auto n_dims = r.read<std::uint32_t>("a tensor's dimension count");
        if (n_dims == 0 || n_dims > kMaxDims)
            r.fail(tn + std::to_string(n_dims) + " dimensions (expected 1 to " + std::to_string(kMaxDims) + ")");
        std::uint64_t count = 1;
        for (std::uint32_t d = 0; d < n_dims; ++d) {
            const auto n = r.read<std::uint64_t>("a tensor dimension");
            if (n == 0 || n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
                r.fail(tn + "dimension " + std::to_string(d) + " is " + std::to_string(n));
            if (count > std::numeric_limits<std::uint64_t>::max() / n) r.fail(tn + "element count overflows 64 bits");
            count *= n;
            t.ne.push_back(n);
        }
        t.num_elements = count;
        t.ggml_type = r.read<std::uint32_t>("a tensor type");
        const GgmlType* gt = ggml_type(t.ggml_type);
        if (!gt) r.fail(tn + "unknown ggml type " + std::to_string(t.ggml_type));
        if (t.ne[0] % gt->block_elements != 0)
            r.fail(tn + "row length " + std::to_string(t.ne[0]) + " is not a multiple of the " + std::string(gt->name) +
                   " block size " + std::to_string(gt->block_elements));
        const std::uint64_t blocks = count / gt->block_elements;
        if (blocks > std::numeric_limits<std::uint64_t>::max() / gt->block_bytes) r.fail(tn + "byte size overflows 64 bits");
        t.byte_size = blocks * gt->block_bytes;
        t.offset = r.read<std::uint64_t>("a tensor offset");
        if (t.offset % out.alignment != 0)
            r.fail(tn + "data offset " + std::to_string(t.offset) + " is not a multiple of the alignment " +
                   std::to_string(out.alignment));
        out.tensors.push_back(std::move(t));
    }

    const std::uint64_t header_end = r.pos();
    out.data_offset = (header_end + out.alignment - 1) / out.alignment * out.alignment;
    if (out.data_offset < header_end) r.fail("data region start overflows");  // wrap-around
    const std::uint64_t data_size = out.data_offset <= file.size() ? file.size() - out.data_offset : 0;
    if (out.data_offset > file.size() && !out.tensors.empty())
        throw InputError(where, "truncated: the data region (at byte " + std::to_string(out.data_offset) +
                                    ") starts past the end of the file (" + std::to_string(file.size()) +
                                    " bytes); perhaps an incomplete download?");

    std::vector<const GgufTensorInfo*> by_offset;
    for (const auto& t : out.tensors) {
        if (t.offset > data_size || t.byte_size > data_size - t.offset)
            throw InputError(where, "tensor '" + shown(t.name) + "': data [" + std::to_string(t.offset) + ", +" +
                                        std::to_string(t.byte_size) + ") runs past the end of the data region (" +
                                        std::to_string(data_size) + " bytes); perhaps an incomplete download?");
        by_offset.push_back(&t);
    }
    std::sort(by_offset.begin(), by_offset.end(),
              [](const GgufTensorInfo* a, const GgufTensorInfo* b) { return a->offset < b->offset; });
    for (std::size_t i = 1; i < by_offset.size(); ++i)
        if (by_offset[i]->offset < by_offset[i - 1]->offset + by_offset[i - 1]->byte_size)
            throw InputError(where, "tensor '" + shown(by_offset[i]->name) + "' overlaps tensor '" +
                                        shown(by_offset[i - 1]->name) + "' in the data region");
    return out;
}

}  // namespace lineage::weights
