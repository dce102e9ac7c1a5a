// The checkpoints of one training run, in order: what `lineage chain` is asked to prove. Given
// either as folders on the command line (steps read from names such as step-000250,
// checkpoint-250 or global_step250, else their position) or as a manifest file:
//
//   TSV (any other extension): one checkpoint per line, tab-separated
//       step <TAB> path [<TAB> tokens_seen [<TAB> training-log excerpt]]
//     '#' starts a comment line; an optional header line starting with "step" is skipped.
//   JSON (.json): {"checkpoints": [{"step": 0, "path": "...", "tokens_seen": 0,
//                                   "log": "..."}, ...],
//                  "submitted": "..."}            (submitted: optional, the model under review)
//
// Relative paths are taken from the manifest's folder. Steps must increase strictly and
// tokens_seen (cumulative tokens of the run at that checkpoint, from the training log) must not
// decrease; tokens are either given for every checkpoint or for none.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lineage::audit {

struct ChainEntry {
    std::int64_t step = 0;
    std::string path;
    std::optional<std::int64_t> tokens_seen;
    std::string log;  // training-log excerpt, may be empty
};

struct ChainManifest {
    std::vector<ChainEntry> checkpoints;  // earliest first
    std::optional<std::string> submitted;  // from a JSON manifest
    std::string source;  // the manifest path, or "command line"
    bool steps_from_positions = false;  // folders without step numbers in their names
    bool last_step_inferred = false;    // the last folder (the final model) had no step in its name
};

// Reads a manifest file (TSV or JSON by extension). Throws InputError naming the file and line.
ChainManifest read_chain_manifest(const std::string& path);

// Builds a manifest from folders given in order. Throws UsageError for fewer than two.
ChainManifest chain_from_folders(const std::vector<std::string>& folders);

// The step number in a checkpoint folder's name ("step-000250", "checkpoint-250",
// "global_step250", "A@125"), if any.
std::optional<std::int64_t> step_in_name(const std::string& path);

// Checks order and completeness (>= 2 checkpoints, increasing steps, tokens non-decreasing and
// given for all or none). Throws InputError naming `where`.
void validate_chain(const ChainManifest& m, const std::string& where);

}  // namespace lineage::audit
