// A GGUF file as a Checkpoint's contents: the parsed tensors renamed to Hugging Face names
// (gguf_names.h), with llama.cpp's q/k row permutation undone, plus metadata rendered as strings
// and a ModelConfig synthesised from the GGUF hyper-parameter keys.
#pragma once

#include <filesystem>

#include "weights/formats/weight_formats.h"

namespace lineage::weights {

// Throws InputError for a malformed file, UnsupportedError for a valid one we cannot read.
FormatContents read_gguf_checkpoint_file(const std::filesystem::path& file);

}  // namespace lineage::weights
