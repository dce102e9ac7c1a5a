// The tokenizer lineage probe in one call: load two tokenizers (model folders or tokenizer files
// of any supported format), compare their vocabularies, hash their behaviour where our encoder
// reads them, classify the relation, and render the result as JSON (the machine record the CLI
// prints and audits embed). Every figure carries its null range.
#pragma once

#include <filesystem>

#include "probes/tokenizer/tokenizer_comparison.h"
#include "probes/tokenizer/tokenizer_relation.h"
#include "weights/core/json_value.h"

namespace lineage::probes {

struct TokenizerLineage {
    TokenizerComparison comparison;
    RelationFinding finding;
};

struct TokenizerProbeOptions {
    bool behaviour_hash = true;  // build our encoder and hash the probe text's ids
};

// InputError / UnsupportedError from the loaders name the file.
TokenizerLineage compare_tokenizers(const std::filesystem::path& a, const std::filesystem::path& b,
                                    const TokenizerProbeOptions& options = {});

// {"relation", "derived", "direction", "explanation", "a": {...}, "b": {...}, "figures": {name:
//  {"value", "null": {"lo","hi","pairs","size_ratio_bin"}}}, "blocks": {...}, "merges": {...},
//  "hints": {...}}
JsonValue tokenizer_lineage_json(const TokenizerLineage& result);

}  // namespace lineage::probes
