// SentencePiece BPE encoding and decoding (see sentencepiece_bpe.h). The steps follow the
// sentencepiece library: Normalizer::Normalize (identity rule), bpe::Model::SampleEncode with no
// dropout, SentencePieceProcessor::PopulateSentencePieceText (byte fallback, unknown fusing) and
// SentencePieceProcessor::Decode.
#include "reference_model/tokenizer/sentencepiece_bpe.h"

#include <algorithm>
#include <cstdio>
#include <queue>
#include <unordered_map>
#include <utility>

#include "reference_model/tokenizer/formats/token_bytes.h"
#include "reference_model/tokenizer/utf8.h"
#include "weights/core/error.h"

namespace lineage::model {

namespace {

constexpr std::string_view kSpaceSymbol = "\xE2\x96\x81";  // ▁ U+2581

bool mergeable_type(PieceType t) {
    return t == PieceType::normal || t == PieceType::user_defined || t == PieceType::unused;
}

}  // namespace

SentencePieceBpe::SentencePieceBpe(SentencePieceModel model) : model_(std::move(model)) {
    const std::string& where = model_.path;
    if (model_.model_type != 2)
        throw UnsupportedError(where, "SentencePiece model_type " +
                                          std::string(sentencepiece_model_type_name(model_.model_type)) +
                                          " is not supported for encoding (only BPE)");
    if (model_.precompiled_charsmap_bytes > 0)
        throw UnsupportedError(where, "SentencePiece normalizer_spec.precompiled_charsmap (normalization rule '" +
                                          model_.normalizer_name +
                                          "') is not supported; Lineage encodes only the identity rule");
    if (model_.denormalizer_charsmap_bytes > 0)
        throw UnsupportedError(where, "SentencePiece denormalizer_spec.precompiled_charsmap is not supported");
    if (model_.treat_whitespace_as_suffix)
        throw UnsupportedError(where, "SentencePiece trainer_spec.treat_whitespace_as_suffix is not supported");

    const std::size_t n = model_.pieces.size();
    mergeable_.reset(n);
    reserved_.reset(n);
    user_defined_.reset(16);
    std::fill(std::begin(byte_ids_), std::end(byte_ids_), -1);
    for (std::size_t i = 0; i < n; ++i) {
        const SentencePiecePiece& p = model_.pieces[i];
        const auto id = static_cast<std::int32_t>(i);
        (mergeable_type(p.type) ? mergeable_ : reserved_).insert(p.piece, id);
        if (p.type == PieceType::user_defined) {
            user_defined_.insert(p.piece, id);
            longest_user_defined_ = std::max(longest_user_defined_, p.piece.size());
            user_defined_first_byte_[static_cast<unsigned char>(p.piece[0])] = true;
        }
        any_unused_ = any_unused_ || p.type == PieceType::unused;
        if (p.type == PieceType::unknown) {
            if (unk_id_ >= 0) throw InputError(where, "SentencePiece model has two UNKNOWN pieces (ids " +
                                                          std::to_string(unk_id_) + " and " + std::to_string(i) + ")");
            unk_id_ = id;
        }
        if (p.type == PieceType::byte) {
            if (!model_.byte_fallback)
                throw InputError(where, "BYTE piece '" + p.piece + "' although trainer_spec.byte_fallback is false");
            auto b = parse_byte_piece(p.piece);
            if (!b) throw InputError(where, "BYTE piece " + std::to_string(i) + " '" + p.piece + "' is not <0xNN>");
            byte_ids_[*b] = id;
        }
    }
    if (unk_id_ < 0) throw InputError(where, "SentencePiece model has no UNKNOWN piece");
    if (model_.byte_fallback)
        for (int b = 0; b < 256; ++b)
            if (byte_ids_[b] < 0) {
                char name[8];
                std::snprintf(name, sizeof name, "<0x%02X>", b);
                throw InputError(where, std::string("trainer_spec.byte_fallback is set but piece ") + name + " is missing");
            }
    if (model_.bos_id >= 0 && static_cast<std::size_t>(model_.bos_id) < n) bos_id_ = static_cast<std::int32_t>(model_.bos_id);
}

std::int32_t SentencePieceBpe::piece_to_id(std::string_view piece) const {
    std::int32_t id = reserved_.find(piece);
    return id >= 0 ? id : mergeable_.find(piece);
}

std::optional<std::string> SentencePieceBpe::id_to_piece(std::int32_t id) const {
    if (id < 0 || static_cast<std::size_t>(id) >= model_.pieces.size()) return std::nullopt;
    return model_.pieces[static_cast<std::size_t>(id)].piece;
}

bool SentencePieceBpe::is_special(std::int32_t id) const {
    if (id < 0 || static_cast<std::size_t>(id) >= model_.pieces.size()) return false;
    PieceType t = type_of(id);
    return t == PieceType::control || t == PieceType::unknown;
}

std::size_t SentencePieceBpe::user_defined_at(std::string_view text, std::size_t pos) const {
    if (longest_user_defined_ == 0 || !user_defined_first_byte_[static_cast<unsigned char>(text[pos])]) return 0;
    for (std::size_t len = std::min(longest_user_defined_, text.size() - pos); len > 0; --len)
        if (user_defined_.find(text.substr(pos, len)) >= 0) return len;
    return 0;
}

std::string SentencePieceBpe::normalize(std::string_view text) const {
    std::string out;
    if (text.empty()) return out;
    // One normalization unit: a USER_DEFINED piece, else one character (identity rule).
    auto unit = [&](std::size_t pos) {
        std::size_t u = user_defined_at(text, pos);
        return u ? u : std::min(utf8::sequence_length(static_cast<unsigned char>(text[pos])), text.size() - pos);
    };
    const bool remove_extra = model_.remove_extra_whitespaces;
    const std::string_view ws = model_.escape_whitespaces ? kSpaceSymbol : std::string_view(" ");
    std::size_t pos = 0;
    if (remove_extra) {
        while (pos < text.size()) {
            std::size_t len = unit(pos);
            if (text.substr(pos, len) != " ") break;
            pos += len;
        }
    }
    if (pos == text.size()) return out;
    out.reserve((text.size() - pos) * 3 / 2 + 3);
    if (model_.add_dummy_prefix) out += ws;
    bool prev_space = remove_extra;
    while (pos < text.size()) {
        std::size_t len = unit(pos);
        std::string_view sp = text.substr(pos, len);
        while (prev_space && !sp.empty() && sp.front() == ' ') sp.remove_prefix(1);
        if (!sp.empty()) {
            for (char c : sp) {
                if (c == ' ' && model_.escape_whitespaces)
                    out += kSpaceSymbol;
                else
                    out += c;
            }
            prev_space = sp.back() == ' ';
        }
        pos += len;
        if (!remove_extra) prev_space = false;
    }
    if (remove_extra)
        while (out.size() >= ws.size() && std::string_view(out).substr(out.size() - ws.size()) == ws)
            out.resize(out.size() - ws.size());
    return out;
}

void SentencePieceBpe::encode(std::string_view text, std::vector<std::int32_t>& out) const {
    const std::string normalized = normalize(text);
    if (normalized.empty()) return;
    const std::string_view norm = normalized;

    // Symbols: a doubly linked list over the initial units; a merged-away symbol has len 0.
    struct Symbol {
        std::int32_t prev, next;
        std::uint32_t start, len;
        bool freeze;
    };
    std::vector<Symbol> symbols;
    symbols.reserve(norm.size());
    for (std::size_t pos = 0; pos < norm.size();) {
        std::size_t u = user_defined_at(norm, pos);
        std::size_t len = u ? u : std::min(utf8::sequence_length(static_cast<unsigned char>(norm[pos])), norm.size() - pos);
        auto index = static_cast<std::int32_t>(symbols.size());
        symbols.push_back({index - 1, -1, static_cast<std::uint32_t>(pos), static_cast<std::uint32_t>(len), u > 0});
        pos += len;
        if (pos < norm.size()) symbols.back().next = index + 1;
    }
    auto piece_of = [&](const Symbol& s) { return norm.substr(s.start, s.len); };

    // Candidate merges: highest score first, then leftmost. A candidate is stale once either side
    // has changed, which shows as a different combined length (as the library checks).
    struct Pair {
        float score;
        std::int32_t left, right;
        std::uint32_t size;
    };
    struct Lower {
        bool operator()(const Pair& a, const Pair& b) const {
            return a.score < b.score || (a.score == b.score && a.left > b.left);
        }
    };
    std::vector<Pair> heap_storage;
    heap_storage.reserve(symbols.size());
    std::priority_queue<Pair, std::vector<Pair>, Lower> agenda(Lower{}, std::move(heap_storage));
    // UNUSED pieces may be formed but are split back afterwards: merged piece -> its two parts.
    std::unordered_map<std::string_view, std::pair<std::string_view, std::string_view>> rev_merge;

    auto maybe_add = [&](std::int32_t left, std::int32_t right) {
        if (left < 0 || right < 0) return;
        const Symbol& l = symbols[static_cast<std::size_t>(left)];
        const Symbol& r = symbols[static_cast<std::size_t>(right)];
        if (l.freeze || r.freeze) return;
        std::string_view piece = norm.substr(l.start, l.len + r.len);
        std::int32_t id = mergeable_.find(piece);
        if (id < 0) return;
        agenda.push({model_.pieces[static_cast<std::size_t>(id)].score, left, right, l.len + r.len});
        if (any_unused_ && type_of(id) == PieceType::unused) rev_merge[piece] = {piece_of(l), piece_of(r)};
    };
    for (std::size_t i = 1; i < symbols.size(); ++i)
        maybe_add(static_cast<std::int32_t>(i - 1), static_cast<std::int32_t>(i));

    while (!agenda.empty()) {
        Pair top = agenda.top();
        agenda.pop();
        Symbol& l = symbols[static_cast<std::size_t>(top.left)];
        Symbol& r = symbols[static_cast<std::size_t>(top.right)];
        if (l.len == 0 || r.len == 0 || l.len + r.len != top.size) continue;
        l.len += r.len;
        l.next = r.next;
        if (r.next >= 0) symbols[static_cast<std::size_t>(r.next)].prev = top.left;
        r.len = 0;
        maybe_add(l.prev, top.left);
        maybe_add(top.left, l.next);
    }

    // Pieces to ids: UNUSED pieces resegmented, unknown symbols as bytes or one fused unknown.
    bool prev_unknown = false;
    auto emit_id = [&](std::string_view w) {
        std::int32_t id = piece_to_id(w);
        if (id < 0) id = unk_id_;
        const bool unknown = id == unk_id_;
        if (unknown && model_.byte_fallback) {
            for (unsigned char b : w) out.push_back(byte_ids_[b]);
        } else if (!(unknown && prev_unknown)) {
            out.push_back(id);
        }
        prev_unknown = unknown;
    };
    auto resegment = [&](auto&& self, std::string_view w) -> void {
        std::int32_t id = any_unused_ ? mergeable_.find(w) : -1;
        if (id >= 0 && type_of(id) == PieceType::unused) {
            auto it = rev_merge.find(w);
            if (it != rev_merge.end()) {
                self(self, it->second.first);
                self(self, it->second.second);
                return;
            }
        }
        emit_id(w);
    };
    for (std::int32_t i = 0; i >= 0; i = symbols[static_cast<std::size_t>(i)].next)
        resegment(resegment, piece_of(symbols[static_cast<std::size_t>(i)]));
}

std::string SentencePieceBpe::decode(std::span<const std::int32_t> ids, bool skip_special) const {
    std::string text;
    std::string bytes;  // a pending run of BYTE pieces
    auto flush_bytes = [&]() {
        if (bytes.empty()) return;
        text += utf8::to_valid_per_byte(bytes);
        bytes.clear();
    };
    const bool strip_bos_ws = model_.add_dummy_prefix || model_.remove_extra_whitespaces;
    bool is_bos_ws = true;  // still expecting the dummy-prefix space to drop
    bool bos_ws_seen = false;
    for (std::int32_t id : ids) {
        if (id < 0 || static_cast<std::size_t>(id) >= model_.pieces.size()) continue;
        if (skip_special && is_special(id)) continue;
        const SentencePiecePiece& p = model_.pieces[static_cast<std::size_t>(id)];
        if (p.type == PieceType::byte) {
            bytes.push_back(static_cast<char>(*parse_byte_piece(p.piece)));
            continue;
        }
        flush_bytes();
        if (bos_ws_seen || !text.empty()) is_bos_ws = false;
        bos_ws_seen = false;
        if (p.type == PieceType::control) continue;
        if (p.type == PieceType::unknown) {
            text += model_.unk_surface;
            continue;
        }
        std::string_view piece = p.piece;
        if (is_bos_ws && strip_bos_ws && piece.starts_with(kSpaceSymbol)) {
            piece.remove_prefix(kSpaceSymbol.size());
            bos_ws_seen = !model_.remove_extra_whitespaces;
        }
        for (std::size_t i = 0; i < piece.size();) {
            if (piece.substr(i).starts_with(kSpaceSymbol)) {
                text += ' ';
                i += kSpaceSymbol.size();
            } else {
                text += piece[i++];
            }
        }
    }
    flush_bytes();
    return text;
}

}  // namespace lineage::model
