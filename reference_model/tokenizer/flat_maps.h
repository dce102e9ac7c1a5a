// Two open-addressing hash maps sized once and never rehashed, for the tokenizer's hot lookups:
// StringIdMap (token text -> id; keys of up to 7 bytes kept inside their 16-byte slot, longer ones
// in one contiguous arena) and
// PairMap (a pair of 32-bit ids packed in 64 bits -> two 32-bit values, e.g. merge rank and merged
// id). Both are several times faster to build and probe than std::unordered_map on 150k-token
// vocabularies, which matters for the < 150 ms load goal.
#pragma once

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace lineage::model {

namespace detail {
// Token texts are short (median ~6 bytes), so the hash reads whole words instead of one byte at a
// time (FNV-1a's byte loop was the largest single cost of loading a 150k-token vocabulary): keys of
// 8+ bytes as 8-byte words (the last one overlapping), shorter ones as two overlapping 4-byte or
// three single-byte reads, each folded in with a 64x64->128-bit multiply (wyhash-style mixing, so
// the low bits used for the slot index depend on every input bit). Reads stay inside the key.
inline std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
    const unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
    return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
}
inline std::uint64_t load64(const char* p) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
}
inline std::uint64_t load32(const char* p) {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}
inline std::uint64_t hash_bytes(std::string_view s) {
    constexpr std::uint64_t k0 = 0xa0761d6478bd642full, k1 = 0xe7037ed1a0b428dbull, k2 = 0x8ebc6af09c88c6e3ull;
    const char* p = s.data();
    const std::size_t n = s.size();
    std::uint64_t h = k0 ^ n;
    if (n >= 8) {
        std::size_t i = 0;
        for (; i + 8 < n; i += 8) h = mix(h ^ load64(p + i), k1);
        h = mix(h ^ load64(p + n - 8), k2);
    } else if (n >= 4) {
        h = mix(h ^ ((load32(p) << 32) | load32(p + n - 4)), k1);
    } else if (n > 0) {
        const auto b = [&](std::size_t i) { return static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])); };
        h = mix(h ^ ((b(0) << 16) | (b(n / 2) << 8) | b(n - 1)), k1);
    }
    return mix(h, k2);
}
// Equality of two byte ranges of the same length; short keys compare inline (memcmp is a call).
inline bool same_bytes(const char* a, const char* b, std::size_t n) {
    if (n > 16) return std::memcmp(a, b, n) == 0;
    for (std::size_t i = 0; i < n; ++i)
        if (a[i] != b[i]) return false;
    return true;
}
inline std::uint64_t hash_u64(std::uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}
// Load factor at most 3/4 (a 150k-token vocabulary sits at 0.58 in 2^18 slots: with linear
// probing a hit takes ~1.7 probes and a miss ~3.3 on average, mostly in one cache line of four
// slots), so the table is half the size it would be at 1/2 (4 MB instead of 8). Fresh memory costs
// a page fault per 4 KiB, ~2.3 us on the development VM, as much as a hundred probes.
inline bool fits(std::size_t n, std::size_t cap) { return n * 4 <= cap * 3; }
inline std::size_t capacity_for(std::size_t n) {
    std::size_t cap = 16;
    while (!fits(n + 1, cap)) cap <<= 1;
    return cap;
}
}  // namespace detail

class StringIdMap {
public:
    StringIdMap() = default;
    explicit StringIdMap(std::size_t expected) { reset(expected); }

    void reset(std::size_t expected) {
        slots_.assign(detail::capacity_for(expected), Slot{});
        mask_ = slots_.size() - 1;
        size_ = 0;
        arena_.clear();
    }
    // Inserts key -> value (value >= 0) unless the key is present; returns the id already stored,
    // or -1 if new. Keys longer than kInline bytes are copied into the map's own arena.
    std::int32_t insert(std::string_view key, std::int32_t value) {
        if (!detail::fits(size_ + 1, slots_.size())) grow();
        const std::uint64_t head = head_of(key);
        for (std::size_t i = hash_head(head, key) & mask_;; i = (i + 1) & mask_) {
            Slot& s = slots_[i];
            if (s.value < 0) {
                s = Slot{head, 0, value};
                if (key.size() > kInline) {
                    if (arena_.size() + key.size() + 4 > UINT32_MAX) throw std::length_error("StringIdMap: keys exceed 4 GiB");
                    s.offset = static_cast<std::uint32_t>(arena_.size());
                    const auto len = static_cast<std::uint32_t>(key.size());
                    arena_.append(reinterpret_cast<const char*>(&len), sizeof len);
                    arena_.append(key);
                }
                ++size_;
                return -1;
            }
            if (s.head == head && same_tail(s, key)) return s.value;
        }
    }
    // The id stored for key, or -1.
    std::int32_t find(std::string_view key) const { return find(key, hash(key)); }
    // Batched lookups: hash a group of keys and prefetch their slots first, then find() each with
    // its hash, so the cache misses of a group overlap instead of queueing one after another.
    static std::uint64_t hash(std::string_view key) { return hash_head(head_of(key), key); }
    void prefetch(std::uint64_t h) const {
        if (!slots_.empty()) __builtin_prefetch(&slots_[h & mask_]);
    }
    std::int32_t find(std::string_view key, std::uint64_t h) const {
        if (slots_.empty()) return -1;
        const std::uint64_t head = head_of(key);
        for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
            const Slot& s = slots_[i];
            if (s.value < 0) return -1;
            if (s.head == head && same_tail(s, key)) return s.value;
        }
    }
    std::size_t size() const { return size_; }

private:
    // Keys of up to kInline bytes live entirely in their slot: `head` holds their bytes and, in the
    // top byte, their length, so a probe of a short key (most tokens and most pieces of tokens are
    // short) touches one slot and nothing else. Longer keys keep their first kInline bytes and the
    // marker kLong in `head`, and their length and bytes in arena_ (compared only when the heads
    // agree).
    static constexpr std::size_t kInline = 7;
    static constexpr std::uint64_t kLong = 0xFF;
    static constexpr std::uint64_t kLowMask = (std::uint64_t(1) << 56) - 1;
    struct Slot {
        std::uint64_t head = 0;
        std::uint32_t offset = 0;  // into arena_ (long keys; the arena stays far below 4 GiB)
        std::int32_t value = -1;   // -1: empty
    };
    static std::uint64_t head_of(std::string_view key) {
        const char* p = key.data();
        const std::size_t n = key.size();
        if (n > kInline) return (detail::load64(p) & kLowMask) | (kLong << 56);
        std::uint64_t bytes = 0;
        if (n >= 4) {
            bytes = detail::load32(p) | (detail::load32(p + n - 4) << (8 * (n - 4)));  // overlap agrees
        } else if (n > 0) {
            const auto b = [&](std::size_t i) { return static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])); };
            bytes = b(0) | (b(n / 2) << (8 * (n / 2))) | (b(n - 1) << (8 * (n - 1)));
        }
        return bytes | (static_cast<std::uint64_t>(n) << 56);
    }
    static std::uint64_t hash_short(std::uint64_t head) {
        return detail::mix(head ^ 0x8ebc6af09c88c6e3ull, 0xe7037ed1a0b428dbull);
    }
    static std::uint64_t hash_head(std::uint64_t head, std::string_view key) {
        return key.size() > kInline ? detail::hash_bytes(key) : hash_short(head);
    }
    // With equal heads, short keys are equal; long keys compare length and bytes in the arena.
    bool same_tail(const Slot& s, std::string_view key) const {
        if (key.size() <= kInline) return true;
        std::uint32_t len;
        std::memcpy(&len, arena_.data() + s.offset, sizeof len);
        return len == key.size() && detail::same_bytes(arena_.data() + s.offset + sizeof len, key.data(), key.size());
    }
    void grow() {
        std::vector<Slot> old = std::move(slots_);
        slots_.assign(old.size() * 2, Slot{});
        mask_ = slots_.size() - 1;
        for (const Slot& s : old) {
            if (s.value < 0) continue;
            std::size_t i = rehash(s) & mask_;
            while (slots_[i].value >= 0) i = (i + 1) & mask_;
            slots_[i] = s;
        }
    }
    std::uint64_t rehash(const Slot& s) const {
        if ((s.head >> 56) != kLong) return hash_short(s.head);
        std::uint32_t len;
        std::memcpy(&len, arena_.data() + s.offset, sizeof len);
        return detail::hash_bytes(std::string_view(arena_.data() + s.offset + sizeof len, len));
    }
    std::vector<Slot> slots_;
    std::string arena_;
    std::size_t mask_ = 0;
    std::size_t size_ = 0;
};

class PairMap {
public:
    struct Value {
        std::uint32_t first;   // e.g. merge rank
        std::uint32_t second;  // e.g. merged token id
    };
    PairMap() = default;
    explicit PairMap(std::size_t expected) { reset(expected); }

    void reset(std::size_t expected) {
        slots_.assign(detail::capacity_for(expected), Slot{});
        mask_ = slots_.size() - 1;
        size_ = 0;
    }
    static std::uint64_t key(std::uint32_t a, std::uint32_t b) {
        return (static_cast<std::uint64_t>(a) << 32) | b;
    }
    // Insert or overwrite (a later duplicate merge wins, as in the `tokenizers` library).
    void insert_or_assign(std::uint64_t k, Value v) {
        if (!detail::fits(size_ + 1, slots_.size())) grow();
        for (std::size_t i = detail::hash_u64(k) & mask_;; i = (i + 1) & mask_) {
            Slot& s = slots_[i];
            if (!s.used) {
                s = Slot{k, v, true};
                ++size_;
                return;
            }
            if (s.key == k) {
                s.value = v;
                return;
            }
        }
    }
    const Value* find(std::uint64_t k) const {
        if (slots_.empty()) return nullptr;
        for (std::size_t i = detail::hash_u64(k) & mask_;; i = (i + 1) & mask_) {
            const Slot& s = slots_[i];
            if (!s.used) return nullptr;
            if (s.key == k) return &s.value;
        }
    }
    std::size_t size() const { return size_; }

private:
    struct Slot {
        std::uint64_t key = 0;
        Value value{0, 0};
        bool used = false;
    };
    void grow() {
        std::vector<Slot> old = std::move(slots_);
        reset(old.size());
        for (const Slot& s : old)
            if (s.used) insert_or_assign(s.key, s.value);
    }
    std::vector<Slot> slots_;
    std::size_t mask_ = 0;
    std::size_t size_ = 0;
};

}  // namespace lineage::model
