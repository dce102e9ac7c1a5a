// StringIdMap (reference_model/tokenizer/flat_maps.h) against std::unordered_map on keys around
// its inline limit: empty, 1-3 bytes, 4-7 (kept inside the slot with their length), 8 and more
// (first bytes in the slot, the rest in the arena), keys that differ only in length or in a byte
// past the seventh, zero bytes, and growth past the size it was reset for.
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "reference_model/tokenizer/flat_maps.h"

using lineage::model::StringIdMap;

TEST_CASE("StringIdMap agrees with std::unordered_map around the inline key limit") {
    std::vector<std::string> keys = {"", std::string(1, '\0'), std::string(2, '\0'), "a", "ab", "abc", "abcd",
                                     "abcdefg", "abcdefgh", "abcdefgi", "abcdefg\0", "abcdefgh1", "abcdefgh2",
                                     std::string(7, '\0'), std::string(8, '\0'), std::string(40, 'x'), std::string(41, 'x')};
    keys[10] = std::string("abcdefg\0", 8);  // same first 7 bytes as "abcdefgh", then a zero byte
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> length(0, 20), byte(0, 3);
    for (int i = 0; i < 3000; ++i) {
        std::string k;
        for (int n = length(rng); n > 0; --n) k += static_cast<char>(byte(rng));  // few distinct bytes: near misses
        keys.push_back(k);
    }
    StringIdMap map(16);  // far too small: it must grow
    std::unordered_map<std::string, std::int32_t> reference;
    for (std::size_t i = 0; i < keys.size(); ++i) {
        const auto id = static_cast<std::int32_t>(i);
        auto [it, inserted] = reference.emplace(keys[i], id);
        const std::int32_t previous = map.insert(keys[i], id);
        CHECK(previous == (inserted ? -1 : it->second));
    }
    CHECK(map.size() == reference.size());
    for (const auto& [k, id] : reference) {
        CHECK(map.find(k) == id);
        CHECK(map.find(k, StringIdMap::hash(k)) == id);
    }
    for (const std::string& probe : std::vector<std::string>{"abcdefgj", "abcdef", "abcdefgh3", "zz", std::string(9, '\0'), std::string(42, 'x')})
        CHECK(map.find(probe) == (reference.count(probe) ? reference[probe] : -1));
}
