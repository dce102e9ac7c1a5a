// The dtype table: one row per element type with its safetensors name, width in bits and whether it
// holds floating-point values. Every lookup in this file reads that one table.
#include "weights/core/dtype.h"

#include <array>
#include <limits>

namespace lineage::weights {
namespace {

struct DTypeRow {
    DType type;
    std::string_view name;  // safetensors spelling
    std::size_t bits;
    bool floating;
};

// Order matches the enum so that a row is found by index.
constexpr std::array<DTypeRow, 22> kRows{{
    {DType::F64, "F64", 64, true},
    {DType::F32, "F32", 32, true},
    {DType::F16, "F16", 16, true},
    {DType::BF16, "BF16", 16, true},
    {DType::F8_E4M3, "F8_E4M3", 8, true},
    {DType::F8_E5M2, "F8_E5M2", 8, true},
    {DType::F8_E8M0, "F8_E8M0", 8, true},
    {DType::F4, "F4", 4, true},
    {DType::I64, "I64", 64, false},
    {DType::I32, "I32", 32, false},
    {DType::I16, "I16", 16, false},
    {DType::I8, "I8", 8, false},
    {DType::U64, "U64", 64, false},
    {DType::U32, "U32", 32, false},
    {DType::U16, "U16", 16, false},
    {DType::U8, "U8", 8, false},
    {DType::BOOL, "BOOL", 8, false},
    {DType::C64, "C64", 64, true},
    {DType::F6_E2M3, "F6_E2M3", 6, true},
    {DType::F6_E3M2, "F6_E3M2", 6, true},
    {DType::F8_E4M3FNUZ, "F8_E4M3FNUZ", 8, true},
    {DType::F8_E5M2FNUZ, "F8_E5M2FNUZ", 8, true},
}};

constexpr std::array<DType, kRows.size()> make_all() {
    std::array<DType, kRows.size()> out{};
    for (std::size_t i = 0; i < kRows.size(); ++i) out[i] = kRows[i].type;
    return out;
}
constexpr std::array<DType, kRows.size()> kAll = make_all();

constexpr bool rows_in_enum_order() {
    for (std::size_t i = 0; i < kRows.size(); ++i)
        if (static_cast<std::size_t>(kRows[i].type) != i) return false;
    return true;
}
static_assert(rows_in_enum_order(), "kRows must follow the DType enum order");

const DTypeRow& row(DType t) { return kRows.at(static_cast<std::size_t>(t)); }

}  // namespace

std::size_t dtype_bits(DType t) { return row(t).bits; }

std::size_t dtype_size(DType t) { return row(t).bits % 8 == 0 ? row(t).bits / 8 : 0; }

std::optional<std::uint64_t> bytes_for_elements(DType t, std::uint64_t n) {
    const std::uint64_t bits = row(t).bits;
    if (n > std::numeric_limits<std::uint64_t>::max() / bits) return std::nullopt;
    const std::uint64_t total_bits = n * bits;
    return total_bits / 8 + (total_bits % 8 != 0 ? 1 : 0);
}

std::string_view dtype_name(DType t) { return row(t).name; }

std::optional<DType> parse_dtype(std::string_view name) {
    for (const auto& r : kRows)
        if (r.name == name) return r.type;
    return std::nullopt;
}

bool is_floating(DType t) { return row(t).floating; }

std::span<const DType> all_dtypes() { return kAll; }

}  // namespace lineage::weights
