// Everything `lineage inspect` reports about a checkpoint, gathered in one value that other layers
// (reports, audit records) reuse: architecture, parameter counts by component, dtype histogram,
// tensor table, config/tensor mismatches, tokenizer files, digests and a NaN/Inf scan.
// The CLI only formats it (audit/cli/cmd_inspect.cpp); to_json gives the machine form.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "weights/checkpoint.h"
#include "weights/config_check.h"
#include "weights/core/json_value.h"
#include "weights/tensor_roles.h"

namespace lineage::weights {

struct InspectOptions {
    bool file_digests = true;     // SHA-256 of every file
    bool content_digest = true;   // the shard-independent content digest
    bool scan_nonfinite = true;   // count NaN/Inf in floating tensors
};

struct InspectedTensor {
    const TensorInfo* info = nullptr;  // valid while the Checkpoint lives
    TensorRole role;
    std::uint64_t nan_count = 0, inf_count = 0;
};

struct InspectedFile {
    std::string name;  // relative to the checkpoint root
    std::uint64_t size = 0;
    std::string sha256;  // empty when not computed
};

struct DTypeCount {
    std::uint64_t tensors = 0, parameters = 0, bytes = 0;
};

struct Inspection {
    std::string source, root, format;
    bool from_hf_cache = false;
    std::string revision;
    std::optional<std::string> index_file;
    std::vector<InspectedFile> files;
    std::optional<ModelConfig> config;
    std::uint64_t total_parameters = 0, total_bytes = 0;
    std::map<Component, std::uint64_t> parameters_by_component;
    std::map<DType, DTypeCount> dtypes;
    std::vector<InspectedTensor> tensors;  // sorted by name
    std::vector<ConfigMismatch> mismatches;
    std::vector<std::string> tokenizer_files;  // present next to the weights
    std::string content_digest;                // empty when not computed
    std::uint64_t tensors_with_nonfinite = 0;
    QuantizationSummary quantization;          // quantised layouts found (Checkpoint::quantization)
};

Inspection inspect_checkpoint(const Checkpoint& checkpoint, const InspectOptions& options = {});

// The JSON form (schema documented at to_json's definition in inspection.cpp).
JsonValue to_json(const Inspection& inspection);

// Counts NaN and Inf values of a floating tensor (0/0 for integer dtypes).
void count_nonfinite(const TensorInfo& tensor, std::uint64_t& nan_count, std::uint64_t& inf_count);

// File names looked for next to the weights.
std::span<const std::string_view> tokenizer_file_names();

}  // namespace lineage::weights
