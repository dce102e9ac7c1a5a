// The table of weight-file formats a Checkpoint can be read from. One row per format says which
// files it claims (by extension), how a folder of it is laid out (an index file for sharded
// checkpoints, a default single-file name) and how one file becomes tensors. Checkpoint::open
// (checkpoint.cpp) walks this table; it holds no per-format `if`. To add a format, add a row in
// weight_formats.cpp (see /work/notes/formats_api.md for the recipe).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "weights/core/tensor_info.h"
#include "weights/model_config.h"

namespace lineage::weights {

// What reading one weight file yields.
struct FormatContents {
    // Every tensor of the file, in file order, with HF-style names. `bytes` views memory kept
    // alive by `owners` (the mapped file, or buffers decoded/permuted by the reader).
    std::vector<TensorInfo> tensors;
    // String metadata (safetensors __metadata__; GGUF key/values rendered as text).
    std::vector<std::pair<std::string, std::string>> metadata;
    std::vector<std::shared_ptr<const void>> owners;
    // A config synthesised from the file itself (GGUF carries no config.json). A config.json
    // next to the weights, when present, wins.
    std::optional<ModelConfig> config;
};

struct WeightFormat {
    std::string_view name;                         // Checkpoint::format(): "safetensors", "gguf"
    std::span<const std::string_view> extensions;  // file names ending so are this format
    std::string_view index_file;                   // sharded folders: the index; "" if none
    std::string_view default_file;                 // the single-file name in a folder; "" if none
    bool many_files;  // a folder may hold several files of it that together form one checkpoint
    // Reads and validates one whole file. Throws InputError/UnsupportedError naming `file`.
    FormatContents (*read)(const std::filesystem::path& file);
};

// Every format, in the order a folder is searched (the first that finds files wins).
std::span<const WeightFormat> weight_formats();

// The format claiming `file` by its name; nullptr when none does.
const WeightFormat* format_for_file(const std::filesystem::path& file);

// Extensions of weight files no row reads yet (named in "unsupported format" messages).
std::span<const std::string_view> unsupported_weight_extensions();

}  // namespace lineage::weights
