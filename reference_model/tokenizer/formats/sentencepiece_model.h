// Reads a SentencePiece `tokenizer.model` (the ModelProto protobuf) with a small hand-written
// protobuf wire-format parser, keeping what lineage needs. Format (sentencepiece_model.proto):
//   ModelProto      { repeated SentencePiece pieces = 1; TrainerSpec trainer_spec = 2;
//                     NormalizerSpec normalizer_spec = 3; SelfTestData self_test_data = 4;
//                     NormalizerSpec denormalizer_spec = 5; }
//   SentencePiece   { string piece = 1; float score = 2; Type type = 3 (default NORMAL); }
//                   Type: NORMAL=1 UNKNOWN=2 CONTROL=3 USER_DEFINED=4 UNUSED=5 BYTE=6
//   TrainerSpec     { ModelType model_type = 3 (UNIGRAM=1 BPE=2 WORD=3 CHAR=4); int32 vocab_size = 4;
//                     bool treat_whitespace_as_suffix = 24; bool split_digits = 25;
//                     bool byte_fallback = 35; int32 unk_id = 40; int32 bos_id = 41;
//                     int32 eos_id = 42; int32 pad_id = 43; string unk_surface = 44; ... }
//   NormalizerSpec  { string name = 1; bytes precompiled_charsmap = 2; bool add_dummy_prefix = 3;
//                     bool remove_extra_whitespaces = 4; bool escape_whitespaces = 5; ... }
// Wire format: each field is a varint key (field << 3 | wire type); wire types 0 varint, 1 fixed64,
// 2 length-delimited, 5 fixed32 (3/4, groups, are refused). Unknown fields are skipped. Every
// varint and length is bounds-checked; anything malformed is an InputError naming the file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace lineage::model {

enum class PieceType : std::uint8_t { normal = 1, unknown = 2, control = 3, user_defined = 4, unused = 5, byte = 6 };

struct SentencePiecePiece {
    std::string piece;
    float score = 0.0f;
    PieceType type = PieceType::normal;
};

struct SentencePieceModel {
    std::string path;
    std::vector<SentencePiecePiece> pieces;  // index = id
    // trainer_spec
    int model_type = 1;  // UNIGRAM=1 BPE=2 WORD=3 CHAR=4
    std::int64_t vocab_size = 0;
    bool byte_fallback = false;
    bool split_digits = false;
    bool treat_whitespace_as_suffix = false;
    std::int64_t unk_id = 0, bos_id = 1, eos_id = 2, pad_id = -1;
    std::string unk_surface = " \xE2\x81\x87 ";  // what decoding writes for <unk> (" ⁇ ")
    // normalizer_spec
    std::string normalizer_name;
    bool add_dummy_prefix = true;
    bool remove_extra_whitespaces = true;
    bool escape_whitespaces = true;
    std::size_t precompiled_charsmap_bytes = 0;    // a compiled normalization rule (nmt_nfkc, ...)
    std::size_t denormalizer_charsmap_bytes = 0;   // denormalizer_spec's rule (applied after decoding)

    static SentencePieceModel load(const std::filesystem::path& path);
    // `where` names the source in errors. Refuses an empty piece list and duplicate pieces.
    static SentencePieceModel parse(std::string_view bytes, std::string_view where);
};

// "UNIGRAM", "BPE", "WORD", "CHAR" or "UNKNOWN".
std::string_view sentencepiece_model_type_name(int model_type);

}  // namespace lineage::model
