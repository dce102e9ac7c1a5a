// Exact-reuse fingerprints. SHA-256 of a tensor's stored bytes proves bit-identical reuse; a
// MinHash signature over per-row hashes estimates the fraction of rows two tensors share exactly
// (an embedding reused with an appended vocabulary, a lifted subset of layers), dtype-neutrally:
// rows are hashed after rounding to bfloat16, so an fp32 copy of bf16 weights still matches.
// Both are computed in the one streaming pass over each checkpoint and kept in its summary.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace lineage::probes::stats {

// Lower-case hex SHA-256 of a byte range (OpenSSL EVP).
std::string sha256_hex(std::span<const std::byte> bytes);

// 64-bit hash of one row after rounding its values to bfloat16 (round-to-nearest-even).
std::uint64_t row_hash_bf16(std::span<const float> row);

inline constexpr int kMinHashSize = 64;
using MinHash = std::array<std::uint64_t, kMinHashSize>;

// Rows shorter than this carry too few bits to be told apart by their bytes: a norm vector read
// as 4096 one-element bf16 rows (gains near 1 take a few hundred bf16 values) shares most of its
// "rows" with any other model's. Row sketches are made and compared only for longer rows.
inline constexpr std::int64_t kMinHashMinRowElements = 16;
inline bool row_sketch_applies(std::int64_t rows, std::int64_t cols) {
    return rows >= 2 && cols >= kMinHashMinRowElements;
}

// Incrementally built MinHash of a set of 64-bit row hashes.
class MinHashBuilder {
public:
    MinHashBuilder();
    void add(std::uint64_t row_hash);
    const MinHash& signature() const { return sig_; }
    std::int64_t count() const { return count_; }

private:
    MinHash sig_;
    std::int64_t count_ = 0;
};

// Estimated Jaccard similarity of the two row sets (fraction of equal signature slots).
double minhash_jaccard(const MinHash& a, const MinHash& b);

}  // namespace lineage::probes::stats
