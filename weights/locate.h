// Where a checkpoint lives. The user names a folder, a single .safetensors file, or a model id
// ("ORG/NAME", optionally "@REVISION") that is looked up in the local Hugging Face cache, with no
// network:
//   $HF_HUB_CACHE, else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else
//   ~/.cache/huggingface/hub;  models--ORG--NAME/refs/<rev> holds a commit hash, and the files are
//   in models--ORG--NAME/snapshots/<hash>/ as symlinks into ../../blobs/.
// Symlinks are followed only while they stay inside the "trust root": the checkpoint folder, or the
// models--ORG--NAME folder for a snapshot of the cache (so blobs/ is allowed, nothing else).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace lineage::weights {

struct Location {
    std::filesystem::path root;        // folder holding the weights
    std::filesystem::path trust_root;  // files may resolve anywhere inside this folder
    std::optional<std::filesystem::path> single_file;  // when the user named one file
    bool from_hf_cache = false;
    std::string revision;              // snapshot hash for the HF cache layout
};

// Throws InputError when nothing is found at `path_or_model_id`.
Location locate_checkpoint(const std::string& path_or_model_id);

// The cache folders searched for model ids, in priority order (existing or not).
std::vector<std::filesystem::path> hf_cache_dirs();

// Throws InputError "<file>: <what> resolves outside the checkpoint folder (<target>)" when `file`,
// followed through symlinks, does not lie inside `trust_root`.
void check_inside(const std::filesystem::path& file, const std::filesystem::path& trust_root);

}  // namespace lineage::weights
