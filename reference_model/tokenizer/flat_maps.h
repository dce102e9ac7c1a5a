// Two open-addressing hash maps sized once and never rehashed, for the tokenizer's hot lookups:
// StringIdMap (token text -> id, keys are views into storage the caller keeps alive) and
// PairMap (a pair of 32-bit ids packed in 64 bits -> two 32-bit values, e.g. merge rank and merged
// id). Both are several times faster to build and probe than std::unordered_map on 150k-token
// vocabularies, which matters for the < 150 ms load goal.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace lineage::model {

namespace detail {
// 64-bit FNV-1a folded with a final avalanche; short tokens dominate, so a simple byte loop wins.
inline std::uint64_t hash_bytes(std::string_view s) {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}
inline std::uint64_t hash_u64(std::uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}
inline std::size_t capacity_for(std::size_t n) {
    std::size_t cap = 16;
    while (cap < n * 2 + 1) cap <<= 1;  // load factor <= 0.5
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
    }
    // Inserts key -> value unless the key is present; returns the id already stored, or -1 if new.
    // The bytes behind `key` must outlive the map.
    std::int32_t insert(std::string_view key, std::int32_t value) {
        if ((size_ + 1) * 2 > slots_.size()) grow();
        std::uint64_t h = detail::hash_bytes(key);
        for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
            Slot& s = slots_[i];
            if (s.value < 0) {
                s = Slot{key.data(), static_cast<std::uint32_t>(key.size()),
                         static_cast<std::uint32_t>(h), value};
                ++size_;
                return -1;
            }
            if (s.hash == static_cast<std::uint32_t>(h) && s.len == key.size() &&
                std::memcmp(s.data, key.data(), key.size()) == 0)
                return s.value;
        }
    }
    // The id stored for key, or -1.
    std::int32_t find(std::string_view key) const {
        if (slots_.empty()) return -1;
        std::uint64_t h = detail::hash_bytes(key);
        for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
            const Slot& s = slots_[i];
            if (s.value < 0) return -1;
            if (s.hash == static_cast<std::uint32_t>(h) && s.len == key.size() &&
                std::memcmp(s.data, key.data(), key.size()) == 0)
                return s.value;
        }
    }
    std::size_t size() const { return size_; }

private:
    struct Slot {
        const char* data = nullptr;
        std::uint32_t len = 0;
        std::uint32_t hash = 0;
        std::int32_t value = -1;
    };
    void grow() {
        std::vector<Slot> old = std::move(slots_);
        reset(old.size());
        for (const Slot& s : old)
            if (s.value >= 0) insert(std::string_view(s.data, s.len), s.value);
    }
    std::vector<Slot> slots_;
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
        if ((size_ + 1) * 2 > slots_.size()) grow();
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
