// A checkpoint as one set of named tensors, wherever it lives: a folder (single or sharded
// safetensors, a GGUF file, ...: see formats/weight_formats.h), a single weight file, or a model in the Hugging
// Face cache layout (models--ORG--NAME/snapshots/REV) found by "ORG/NAME" with no network.
// Files are memory-mapped; TensorInfo::bytes stays valid while the Checkpoint lives.
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
#include "weights/formats/quantized_layouts.h"
#include "weights/model_config.h"

namespace lineage::weights {

class Checkpoint {
public:
    // Opens and validates every file. Throws InputError naming the file and the problem.
    static Checkpoint open(const std::string& path_or_model_id);

    Checkpoint(Checkpoint&&) noexcept;
    Checkpoint& operator=(Checkpoint&&) noexcept;
    ~Checkpoint();

    // The folder the checkpoint was resolved to (or the file's folder for a single file).
    const std::filesystem::path& root() const;
    // What the user named (path or ORG/NAME), for messages and reports.
    const std::string& source() const;
    // Every weight file, in shard order.
    const std::vector<std::filesystem::path>& files() const;
    // Every tensor, sorted by name.
    std::span<const TensorInfo> tensors() const;
    // nullptr when absent.
    const TensorInfo* find(std::string_view name) const;
    // Throws InputError "<root>: tensor 'name' not found" when absent.
    const TensorInfo& at(std::string_view name) const;
    // Parsed config.json; nullopt when the checkpoint has none.
    const std::optional<ModelConfig>& config() const;
    // Path of a file next to the weights (tokenizer.json, ...) if it exists. Throws InputError
    // when it is a symlink that resolves outside the checkpoint folder.
    std::optional<std::filesystem::path> sibling(std::string_view filename) const;

    // Added: the __metadata__ string map of each weight file (same order as files()).
    const std::vector<std::vector<std::pair<std::string, std::string>>>& file_metadata() const;
    // The weight-file format read: the name of its row in formats/weight_formats.h ("safetensors",
    // "gguf", ...).
    std::string_view format() const;
    // Quantised layouts found by formats/quantized_layouts.h: the scheme ("" for none), how many
    // weights were dequantised, and the components that could not be compared, "<component>: <why>".
    const QuantizationSummary& quantization() const;
    // Added: the shard index file when the checkpoint is sharded.
    const std::optional<std::filesystem::path>& index_file() const;
    // Added: true when found through (or inside) the Hugging Face cache layout; revision = hash.
    bool from_hf_cache() const;
    const std::string& revision() const;

private:
    struct Impl;
    explicit Checkpoint(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace lineage::weights
