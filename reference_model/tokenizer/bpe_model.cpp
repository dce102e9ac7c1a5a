// BPE encoding of one piece (see bpe_model.h).
#include "reference_model/tokenizer/bpe_model.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <queue>

#include "reference_model/tokenizer/utf8.h"
#include "weights/core/error.h"

namespace lineage::model {

BpeModel::BpeModel(const TokenizerJson& json)
    : vocab_(json.vocab_by_id),
      prefix_(json.continuing_subword_prefix),
      suffix_(json.end_of_word_suffix),
      fuse_unk_(json.fuse_unk),
      byte_fallback_(json.byte_fallback),
      ignore_merges_(json.ignore_merges) {
    if (json.model_type != ModelKind::bpe) throw InternalError("BpeModel built from a non-BPE tokenizer.json");
    index_.reset(json.vocab_count);
    for (std::size_t id = 0; id < vocab_.size(); ++id)
        if (json.has_id[id]) index_.insert(vocab_[id], static_cast<std::int32_t>(id));
    merges_.reset(json.merge_ids.size());
    for (std::size_t rank = 0; rank < json.merge_ids.size(); ++rank) {
        const std::array<std::int32_t, 3>& ids = json.merge_ids[rank];  // validated by TokenizerJson
        merges_.insert_or_assign(PairMap::key(static_cast<std::uint32_t>(ids[0]), static_cast<std::uint32_t>(ids[1])),
                                 {static_cast<std::uint32_t>(rank), static_cast<std::uint32_t>(ids[2])});
    }
    if (!json.unk_token.empty()) {
        unk_id_ = index_.find(json.unk_token);
        if (unk_id_ < 0)
            throw InputError(json.path, "model.unk_token '" + json.unk_token + "' is not in the vocabulary");
    }
    for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        byte_ids_[b] = index_.find(name);
    }
}

void BpeModel::tokenize(std::string_view piece, std::vector<std::int32_t>& out) const {
    if (piece.empty()) return;
    if (ignore_merges_) {
        std::int32_t id = index_.find(piece);
        if (id >= 0) {
            out.push_back(id);
            return;
        }
    }
    bool cacheable = piece.size() < kMaxCachedLength;
    if (cacheable) {
        std::lock_guard<std::mutex> lock(cache_mutex_);
        auto it = cache_.find(piece);  // heterogeneous lookup: no allocation
        if (it != cache_.end()) {
            out.insert(out.end(), it->second.begin(), it->second.end());
            return;
        }
    }
    std::size_t first = out.size();
    merge_word(piece, out);
    if (cacheable) {
        std::lock_guard<std::mutex> lock(cache_mutex_);
        if (cache_.size() < kMaxCacheEntries)
            cache_.emplace(std::string(piece), std::vector<std::int32_t>(out.begin() + static_cast<std::ptrdiff_t>(first), out.end()));
    }
}

void BpeModel::merge_word(std::string_view piece, std::vector<std::int32_t>& out) const {
    // Symbols form a doubly linked list over the initial characters; a merged-away symbol has
    // len 0. Mirrors tokenizers' Word::merge_all.
    struct Symbol {
        std::int32_t id;
        std::int32_t prev, next;
        std::uint32_t len;
    };
    std::vector<Symbol> symbols;
    symbols.reserve(piece.size());
    auto add = [&](std::int32_t id, std::uint32_t len) {
        std::int32_t n = static_cast<std::int32_t>(symbols.size());
        if (n > 0) symbols.back().next = n;
        symbols.push_back({id, n - 1, -1, len});
    };

    std::int32_t pending_unk = -1;
    std::uint32_t pending_unk_len = 0;
    std::string scratch;
    for (std::size_t i = 0; i < piece.size();) {
        std::size_t start = i;
        utf8::decode(piece, i);
        std::string_view ch = piece.substr(start, i - start);
        bool is_first = start == 0, is_last = i == piece.size();
        std::string_view key = ch;
        if ((!is_first && !prefix_.empty()) || (is_last && !suffix_.empty())) {
            scratch.clear();
            if (!is_first) scratch += prefix_;
            scratch += ch;
            if (is_last) scratch += suffix_;
            key = scratch;
        }
        auto byte_len = static_cast<std::uint32_t>(ch.size());
        std::int32_t id = index_.find(key);
        if (id >= 0) {
            if (pending_unk >= 0) {
                add(pending_unk, pending_unk_len);
                pending_unk = -1;
            }
            add(id, byte_len);
            continue;
        }
        if (byte_fallback_) {
            bool all = true;
            for (unsigned char b : key) all = all && byte_ids_[b] >= 0;
            if (all) {
                for (unsigned char b : key) add(byte_ids_[b], 1);
                continue;
            }
        }
        if (unk_id_ >= 0) {
            if (pending_unk >= 0 && fuse_unk_) {
                pending_unk_len += byte_len;
            } else {
                if (pending_unk >= 0) add(pending_unk, pending_unk_len);
                pending_unk = unk_id_;
                pending_unk_len = byte_len;
            }
        }
    }
    if (pending_unk >= 0) add(pending_unk, pending_unk_len);

    struct Merge {
        std::uint32_t rank;
        std::int32_t pos;
        std::uint32_t new_id;
        bool operator<(const Merge& o) const {  // priority_queue pops the largest: invert
            return rank != o.rank ? rank > o.rank : pos > o.pos;
        }
    };
    auto lookup = [&](std::int32_t a, std::int32_t b) {
        return merges_.find(PairMap::key(static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(b)));
    };
    std::vector<Merge> heap_storage;
    heap_storage.reserve(symbols.size());
    std::priority_queue<Merge> queue(std::less<Merge>(), std::move(heap_storage));
    for (std::size_t k = 0; k + 1 < symbols.size(); ++k)
        if (const PairMap::Value* m = lookup(symbols[k].id, symbols[k + 1].id))
            queue.push({m->first, static_cast<std::int32_t>(k), m->second});

    const auto count = static_cast<std::int32_t>(symbols.size());
    while (!queue.empty()) {
        Merge top = queue.top();
        queue.pop();
        Symbol& cur = symbols[static_cast<std::size_t>(top.pos)];
        if (cur.len == 0 || cur.next == -1) continue;
        std::int32_t next_pos = cur.next;
        Symbol right = symbols[static_cast<std::size_t>(next_pos)];
        const PairMap::Value* now = lookup(cur.id, right.id);
        if (!now || now->second != top.new_id) continue;
        cur.id = static_cast<std::int32_t>(top.new_id);
        cur.len += right.len;
        cur.next = right.next;
        symbols[static_cast<std::size_t>(next_pos)].len = 0;
        if (right.next > -1 && right.next < count) symbols[static_cast<std::size_t>(right.next)].prev = top.pos;
        if (cur.prev >= 0) {
            if (const PairMap::Value* m = lookup(symbols[static_cast<std::size_t>(cur.prev)].id, cur.id))
                queue.push({m->first, cur.prev, m->second});
        }
        if (cur.next > -1 && cur.next < count) {
            if (const PairMap::Value* m = lookup(cur.id, symbols[static_cast<std::size_t>(cur.next)].id))
                queue.push({m->first, top.pos, m->second});
        }
    }
    for (const Symbol& s : symbols)
        if (s.len != 0) out.push_back(s.id);
}

}  // namespace lineage::model
