// Turns a tiktoken rank file (formats/tiktoken_ranks.h) into the tokenizer.json pipeline that
// encodes like tiktoken, so Tokenizer runs it with the components it already has (the same
// conversion as transformers' TikTokenConverter):
//   model          BPE over byte-level surface forms; merges rebuilt canonically from the ranks
//                  (formats/canonical_merges.h: every split of a token into two tokens, ranked by
//                  the id of the token produced), ignore_merges (a piece that is a token is
//                  emitted whole, as tiktoken does) — lowest rank first, as tiktoken merges.
//   pre-tokenizer  Split by the split regex (Isolated), then ByteLevel without its own regex.
//   decoder        ByteLevel (bytes joined, ill-formed UTF-8 replaced as Python's
//                  errors="replace").
// A rank file holds neither its split pattern nor its special tokens: a bare rank file is taken
// to be Meta Llama 3's (meta-llama/llama3 tokenizer.py): the cl100k/Llama 3 split regex and, for
// a file of exactly 128,000 ranks, Llama 3's 256 special tokens (<|begin_of_text|> = 128000,
// <|end_of_text|>, <|reserved_special_token_0..3|>, <|start_header_id|>, <|end_header_id|>,
// <|reserved_special_token_4|>, <|eot_id|>, <|reserved_special_token_5..250|>) and a
// <|begin_of_text|> BOS template (Meta's encode(bos=True)). Special-token text in the input is
// read as the special token (tiktoken's allowed_special="all", as Hugging Face's tokenizer.json).
#pragma once

#include "reference_model/tokenizer/formats/tiktoken_ranks.h"
#include "reference_model/tokenizer/tokenizer_json.h"

namespace lineage::model {

TokenizerJson tokenizer_json_from_tiktoken(const TiktokenRanks& ranks);

}  // namespace lineage::model
