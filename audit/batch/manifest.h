// The manifest of a batch audit: which candidates to audit, each with a stable id and optional
// extra bases. Two formats, chosen by the file name (".json" → JSON, anything else → TSV):
//
//   TSV   one item per line: ID <TAB> PATH [<TAB> BASE]...   Blank lines and lines starting with
//         '#' are skipped; a first other line "id<TAB>path..." is a header and skipped.
//   JSON  {"items": [{"id": "...", "path": "...", "bases": ["...", ...]}, ...]} or the bare array.
//
// IDs name result folders (DIR/items/<id>), so they are 1-128 characters of [A-Za-z0-9._-], do not
// start with '.', and are unique. A relative PATH or BASE is resolved against the manifest's folder
// (then the current folder, then the local Hugging Face cache for ORG/NAME ids), and is stored
// absolute, so that array tasks started in another folder read the same files. Every path is
// checked at parse time: a typo fails the whole manifest (InputError naming file and line) before
// a thousand jobs are queued, rather than one by one on the cluster.
#pragma once

#include <string>
#include <vector>

namespace lineage::audit::batch {

struct ManifestItem {
    std::string id;
    std::string path;                // the candidate (absolute path, or ORG/NAME[@REV])
    std::vector<std::string> bases;  // extra --base paths for this candidate (absolute)
    std::size_t line = 0;            // TSV line or JSON array index + 1, for messages
};

// Parses and checks a manifest file; throws InputError "<file>:<line>: <problem>".
std::vector<ManifestItem> read_manifest(const std::string& file);

// The same from text (`where` names it in messages; relative paths resolve against `base_dir`).
// `check_paths` = false skips the existence checks (tests of the syntax alone).
std::vector<ManifestItem> parse_manifest_tsv(const std::string& text, const std::string& where,
                                             const std::string& base_dir, bool check_paths = true);
std::vector<ManifestItem> parse_manifest_json(const std::string& text, const std::string& where,
                                              const std::string& base_dir, bool check_paths = true);

// True when `id` may name a result folder (the rule above).
bool valid_item_id(const std::string& id);

}  // namespace lineage::audit::batch
