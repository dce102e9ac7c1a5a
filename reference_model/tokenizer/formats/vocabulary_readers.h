// Reductions of each parsed tokenizer format to a Vocabulary (vocabulary.h): raw bytes per id,
// token kinds, merges as id pairs and the weak hints the file itself carries. Path and digest
// are filled by load_vocabulary(); tokenizer_config.json hints by apply_tokenizer_config().
#pragma once

#include "reference_model/tokenizer/formats/sentencepiece_model.h"
#include "reference_model/tokenizer/formats/tekken.h"
#include "reference_model/tokenizer/formats/tiktoken_ranks.h"
#include "reference_model/tokenizer/formats/vocabulary.h"
#include "reference_model/tokenizer/tokenizer_config.h"
#include "reference_model/tokenizer/tokenizer_json.h"

namespace lineage::model {

// Byte-level BPE files (a ByteLevel pre-tokenizer or decoder) have their surface forms decoded
// through the byte-to-unicode map; others have "▁" turned into spaces and, with byte_fallback,
// "<0xNN>" tokens into bytes. Added tokens keep their content bytes as written. A surface form
// that cannot be decoded is an InputError naming the file and the token.
Vocabulary vocabulary_from_tokenizer_json(const TokenizerJson& tj);
Vocabulary vocabulary_from_sentencepiece(const SentencePieceModel& sp);
Vocabulary vocabulary_from_tiktoken(const TiktokenRanks& ranks);
Vocabulary vocabulary_from_tekken(const TekkenModel& tekken);

// Adds tokenizer_config.json's hints: tokenizer class, chat-template family, and its special
// tokens where the vocabulary file named none.
void apply_tokenizer_config(Vocabulary& vocab, const TokenizerConfig& config);

}  // namespace lineage::model
