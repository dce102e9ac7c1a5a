// The GGUF container (llama.cpp / ggml, versions 2 and 3), parsed and validated. All integers are
// little-endian; a string is a u64 byte length followed by UTF-8 bytes (no terminator).
//
//   u32 magic "GGUF" (bytes 47 47 55 46)   u32 version (2 or 3; 1 used 32-bit counts: refused)
//   u64 tensor_count                       u64 metadata_kv_count
//   metadata_kv_count x { string key; u32 value_type; value }
//       value types: 0 u8, 1 i8, 2 u16, 3 i16, 4 u32, 5 i32, 6 f32, 7 bool, 8 string,
//                    9 array = { u32 element_type; u64 count; count x value }, 10 u64, 11 i64, 12 f64
//   tensor_count x { string name; u32 n_dims (1..4); u64 ne[n_dims]; u32 ggml_type; u64 offset }
//       ne[0] is the innermost (fastest-varying) dimension: the row-major shape is ne reversed.
//   padding to `general.alignment` (a u32 metadata value, a power of two; 32 when absent)
//   the data region: each tensor at data_start + offset; offsets are multiples of the alignment.
//
// Rules enforced (a file breaking one is an InputError naming the file and the problem): magic and
// version; every count and length fits in the bytes left (checked before any allocation, so a
// hostile count cannot exhaust memory); known value and tensor types; no duplicate keys or tensor
// names; valid UTF-8-free-of-NUL names; array nesting at most 2 deep; 1..4 dims, each > 0, whose
// product (and byte size) does not overflow; ne[0] a multiple of the type's block size; aligned
// offsets; every tensor inside the file and no two overlapping. llama.cpp tolerates trailing bytes
// after the last tensor, and so do we.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace lineage::weights {

enum class GgufValueType : std::uint32_t {
    u8 = 0, i8 = 1, u16 = 2, i16 = 3, u32 = 4, i32 = 5, f32 = 6, boolean = 7, string = 8, array = 9,
    u64 = 10, i64 = 11, f64 = 12,
};

std::string_view gguf_value_type_name(GgufValueType t);

struct GgufValue {
    GgufValueType type = GgufValueType::u8;
    GgufValueType element_type = GgufValueType::u8;  // arrays only
    // Integers of every width as int64 or uint64 (u64 only above INT64_MAX); floats as double.
    std::variant<std::int64_t, std::uint64_t, double, bool, std::string, std::vector<GgufValue>> value;

    // An integer value (any integer type, or a bool), nullopt otherwise or when out of int64 range.
    std::optional<std::int64_t> as_int() const;
    // Any numeric value as double.
    std::optional<double> as_number() const;
    const std::string* as_string() const;
    const std::vector<GgufValue>* as_array() const;
    // Short text for metadata listings: scalars in full, arrays as "[N x type]".
    std::string to_text() const;
};

struct GgufTensorInfo {
    std::string name;
    std::vector<std::uint64_t> ne;  // ggml order: ne[0] innermost
    std::uint32_t ggml_type = 0;
    std::uint64_t offset = 0;       // relative to the data region
    std::uint64_t num_elements = 0;
    std::uint64_t byte_size = 0;
};

struct GgufFile {
    std::uint32_t version = 0;
    std::vector<std::pair<std::string, GgufValue>> metadata;  // file order
    std::vector<GgufTensorInfo> tensors;                      // file order
    std::uint64_t alignment = 32;
    std::uint64_t data_offset = 0;  // absolute start of the data region

    const GgufValue* find(std::string_view key) const;
};

// Parses and validates a whole GGUF file held in memory. Throws InputError "<where>: <problem>".
GgufFile parse_gguf(std::span<const std::byte> file, const std::string& where);

}  // namespace lineage::weights
