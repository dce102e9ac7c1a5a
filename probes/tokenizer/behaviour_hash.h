// A behaviour-level fingerprint: the token ids our encoder (model::Tokenizer) gives a fixed probe
// text that exercises the pre-tokenizer (contractions, digit runs, whitespace runs, punctuation,
// accents, Korean, Chinese, emoji, code), hashed. Two tokenizers with the same hash split and
// merge that text identically whatever file format they were stored in. Only formats our encoder
// reads (tokenizer.json BPE, SentencePiece BPE tokenizer.model, tiktoken rank files) get a hash;
// for others the note says why.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "reference_model/tokenizer/formats/load_vocabulary.h"

namespace lineage::probes {

struct BehaviourHash {
    std::optional<std::string> hash;  // first 16 hex digits of sha256 over the ids (int32 LE)
    std::string note;                 // why there is none
};

// The fixed probe text.
std::string_view behaviour_probe_text();

// Consumes loaded.json (the encoder takes it over). Never throws for unsupported encoders: a
// tokenizer we cannot encode gets a note instead.
BehaviourHash behaviour_hash(model::LoadedVocabulary& loaded);

}  // namespace lineage::probes
