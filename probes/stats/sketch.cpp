// SHA-256 and MinHash (see sketch.h). The k MinHash functions are splitmix64 finalisers of the row
// hash xor a fixed per-slot constant, so signatures are comparable across runs and machines.
#include "probes/stats/sketch.h"

#include <openssl/evp.h>

#include <cstring>
#include <limits>

#include "weights/core/error.h"

namespace lineage::probes::stats {
namespace {

std::uint64_t mix64(std::uint64_t z) {
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

std::uint16_t to_bf16(float f) {
    std::uint32_t u;
    std::memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return 0x7fc0;  // NaN
    u += 0x7fffu + ((u >> 16) & 1u);
    return static_cast<std::uint16_t>(u >> 16);
}

}  // namespace

std::string sha256_hex(std::span<const std::byte> bytes) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), digest, &len, EVP_sha256(), nullptr) != 1)
        throw InternalError("sha256_hex: OpenSSL EVP_Digest failed");
    static const char* hex = "0123456789abcdef";
    std::string out(2 * len, '0');
    for (unsigned int i = 0; i < len; ++i) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 15];
    }
    return out;
}

std::uint64_t row_hash_bf16(std::span<const float> row) {
    std::uint64_t h = 0x51ed270b27ae1c4dULL ^ row.size();
    std::size_t i = 0;
    for (; i + 4 <= row.size(); i += 4) {
        const std::uint64_t w = static_cast<std::uint64_t>(to_bf16(row[i])) |
                                static_cast<std::uint64_t>(to_bf16(row[i + 1])) << 16 |
                                static_cast<std::uint64_t>(to_bf16(row[i + 2])) << 32 |
                                static_cast<std::uint64_t>(to_bf16(row[i + 3])) << 48;
        h = mix64(h ^ w);
    }
    for (; i < row.size(); ++i) h = mix64(h ^ to_bf16(row[i]));
    return h;
}

MinHashBuilder::MinHashBuilder() { sig_.fill(std::numeric_limits<std::uint64_t>::max()); }

void MinHashBuilder::add(std::uint64_t row_hash) {
    ++count_;
    for (int k = 0; k < kMinHashSize; ++k) {
        const std::uint64_t v = mix64(row_hash ^ (0xa0761d6478bd642fULL * (k + 1)));
        if (v < sig_[k]) sig_[k] = v;
    }
}

double minhash_jaccard(const MinHash& a, const MinHash& b) {
    int eq = 0;
    for (int k = 0; k < kMinHashSize; ++k) eq += a[k] == b[k] ? 1 : 0;
    return static_cast<double>(eq) / kMinHashSize;
}

}  // namespace lineage::probes::stats
