// Writes a prompt's hidden states to HDF5 for `lineage run --dump-hidden` (and anyone else who
// wants them on disk). Layout (all little-endian, row-major):
//   /ids            int32 [tokens]             the input token ids
//   /hidden/<i>     fp32  [tokens, hidden]     i = 0: embeddings output; i = 1..L: output of block i
//   /final_norm     fp32  [tokens, hidden]     the final RMSNorm's output
//   /logits         fp32  [tokens, vocab]      logits of every prompt position
//   attributes on /: model (string), architecture (string), layers (int64)
// The file is written to "<path>.tmp" and renamed into place, so a reader never sees half a file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace lineage::model {

struct HiddenStateRecord {
    std::string model, architecture;
    std::vector<std::int32_t> ids;
    std::int64_t hidden_size = 0, vocab_size = 0;
    std::vector<std::vector<float>> hidden;  // L+1 entries of tokens·hidden
    std::vector<float> final_norm;           // tokens·hidden
    std::vector<float> logits;               // tokens·vocab
};

// Throws InputError naming `path` when it cannot be written.
void write_hidden_states_hdf5(const std::filesystem::path& path, const HiddenStateRecord& record);

}  // namespace lineage::model
