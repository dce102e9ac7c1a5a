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
    std::size_t block_elements = 1;  // ggml block types: elements per block
    std::size_t block_bytes = 0;     // ggml block types: bytes per block
};

// Order matches the enum so that a row is found by index.
constexpr std::array<DTypeRow, 32> kRows{{
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
    // ggml block types, sizes as in ggml's type traits (block_q4_0 = f16 d + 16 bytes, ...).
    {DType::Q4_0, "Q4_0", 0, true, 32, 18},
    {DType::Q4_1, "Q4_1", 0, true, 32, 20},
    {DType::Q5_0, "Q5_0", 0, true, 32, 22},
    {DType::Q5_1, "Q5_1", 0, true, 32, 24},
    {DType::Q8_0, "Q8_0", 0, true, 32, 34},
    {DType::Q2_K, "Q2_K", 0, true, 256, 84},
    {DType::Q3_K, "Q3_K", 0, true, 256, 110},
    {DType::Q4_K, "Q4_K", 0, true, 256, 144},
    {DType::Q5_K, "Q5_K", 0, true, 256, 176},
    {DType::Q6_K, "Q6_K", 0, true, 256, 210},
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

std::size_t dtype_block_elements(DType t) { return row(t).block_elements; }

std::size_t dtype_block_bytes(DType t) { return row(t).block_bytes; }

std::optional<std::uint64_t> bytes_for_elements(DType t, std::uint64_t n) {
    if (row(t).block_elements > 1) {
        const std::uint64_t blocks = n / row(t).block_elements + (n % row(t).block_elements != 0 ? 1 : 0);
        if (blocks > std::numeric_limits<std::uint64_t>::max() / row(t).block_bytes) return std::nullopt;
        return blocks * row(t).block_bytes;
    }
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
