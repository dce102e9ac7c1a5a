// Encoding and decoding with a SentencePiece BPE model (`tokenizer.model`, a ModelProto read by
// formats/sentencepiece_model.h) exactly as the sentencepiece library does (src/normalizer.cc,
// src/bpe_model.cc, SentencePieceProcessor::Encode/Decode):
//   normalize  the "identity" rule: with remove_extra_whitespaces, leading/trailing spaces are
//              dropped and runs of spaces collapse to one; with add_dummy_prefix a space is put in
//              front of non-empty text; with escape_whitespaces every ' ' becomes "▁" (U+2581).
//              Models carrying a compiled rule (precompiled_charsmap: nmt_nfkc, ...) or a
//              denormalizer rule, and treat_whitespace_as_suffix models, are refused
//              (UnsupportedError naming the file and the field).
//   split      the whole normalized text into symbols: the longest USER_DEFINED piece starting
//              here (frozen: never merged), else one UTF-8 character.
//   merge      repeatedly the adjacent pair whose concatenation is a NORMAL, USER_DEFINED or
//              UNUSED piece with the highest score, ties to the leftmost (a heap over pairs and
//              a linked list of symbols: O(n log n)); UNUSED results are split back into the
//              pieces they were made of.
//   ids        each symbol's piece id; a symbol that is no piece becomes its UTF-8 bytes as
//              <0xNN> pieces (byte_fallback) or the unknown id (consecutive unknowns fused).
//   decode     CONTROL pieces vanish, the UNKNOWN piece reads unk_surface (" ⁇ "), runs of BYTE
//              pieces are joined and made valid UTF-8 one byte at a time (U+FFFD per bad byte),
//              "▁" reads as a space, and the leading "▁" of the first piece that writes text is
//              dropped (add_dummy_prefix).
// Text that spells a control piece ("<s>", "[INST]") is ordinary text, as in the library.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "reference_model/tokenizer/flat_maps.h"
#include "reference_model/tokenizer/formats/sentencepiece_model.h"

namespace lineage::model {

class SentencePieceBpe {
public:
    // UnsupportedError for non-BPE models and the refused normalizer settings above; InputError
    // for a model without an UNKNOWN piece or with missing/invalid <0xNN> pieces under
    // byte_fallback.
    explicit SentencePieceBpe(SentencePieceModel model);
    SentencePieceBpe(SentencePieceBpe&&) = delete;

    // Appends the ids of `text` (valid UTF-8) to `out`; no BOS/EOS.
    void encode(std::string_view text, std::vector<std::int32_t>& out) const;
    // The library's DecodeIds; ids outside the vocabulary are skipped, and with skip_special the
    // CONTROL and UNKNOWN ids too.
    std::string decode(std::span<const std::int32_t> ids, bool skip_special) const;

    // The normalized text the pieces are cut from (exposed for tests).
    std::string normalize(std::string_view text) const;

    const SentencePieceModel& model() const { return model_; }
    std::size_t size() const { return model_.pieces.size(); }
    // -1 when no piece has this text.
    std::int32_t piece_to_id(std::string_view piece) const;
    std::optional<std::string> id_to_piece(std::int32_t id) const;
    // CONTROL and UNKNOWN pieces (what skip_special drops).
    bool is_special(std::int32_t id) const;
    // trainer_spec.bos_id when it names a piece, else -1.
    std::int32_t bos_id() const { return bos_id_; }

private:
    PieceType type_of(std::int32_t id) const { return model_.pieces[static_cast<std::size_t>(id)].type; }
    // Length of the longest USER_DEFINED piece at text[pos], or 0.
    std::size_t user_defined_at(std::string_view text, std::size_t pos) const;

    SentencePieceModel model_;
    StringIdMap mergeable_;  // NORMAL, USER_DEFINED, UNUSED pieces -> id
    StringIdMap reserved_;   // CONTROL, UNKNOWN, BYTE pieces -> id
    StringIdMap user_defined_;
    std::size_t longest_user_defined_ = 0;
    bool user_defined_first_byte_[256] = {};
    bool any_unused_ = false;
    std::int32_t unk_id_ = -1;
    std::int32_t bos_id_ = -1;
    std::int32_t byte_ids_[256];
};

}  // namespace lineage::model
