// The fingerprint registry on disk: one HDF5 file holding any number of fingerprints (a
// fingerprint file written by `lineage fingerprint` is a registry of one entry, so `registry add`
// copies entries between files of one layout). The layout, versioned by the root attribute
// layout_version, is documented in LAYOUT.md next to this file.
// Integrity: every change writes a complete new file beside the old one and renames it into place
// (under an advisory lock so that two writers do not lose each other's entries), so a reader sees
// the old registry or the new one, never half of either. Opening validates the format name and
// layout version; reading an entry checks every dataset's Fletcher-32 checksum and the entry's
// payload digest. A truncated or corrupted file is an InputError naming the file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "probes/fingerprint/fingerprint.h"

namespace lineage::audit::registry {

inline constexpr const char* kFormatName = "lineage-fingerprint-registry";
// Written: the data model's version (2: activation signatures). Read: 1 (no activation
// signatures) up to 2; a newer file or entry is an UnsupportedError (exit 4).
inline constexpr int kLayoutVersion = probes::fingerprint::kLayoutVersion;
inline constexpr int kOldestLayoutVersion = 1;

// The entry's header (the attributes a fingerprint carries) plus what listing it measures.
struct EntryInfo : probes::fingerprint::FingerprintHeader {
    std::int64_t layout_version = 0;  // of the entry (a registry may hold older entries)
    std::int64_t anchors = 0, tensors = 0;
    std::int64_t activation_points = 0, activation_layers = 0;  // 0: no activation signature
    std::int64_t payload_bytes = 0;  // values (bf16) and files, as stored before compression
    std::int64_t stored_bytes = 0;   // bytes the entry's datasets occupy in the file
};

// Writes `fp` as a registry of one entry at `path` (atomically).
void write_fingerprint_file(const std::filesystem::path& path,
                            const probes::fingerprint::Fingerprint& fp);

// The entries of a registry, validated (format, version, required attributes).
std::vector<EntryInfo> list_entries(const std::filesystem::path& path);

// One entry in full; InputError when absent or damaged.
probes::fingerprint::Fingerprint read_entry(const std::filesystem::path& path,
                                            const std::string& name);

// Copies every entry of `source` (a fingerprint file or a registry) into `registry`, creating it
// when missing. `rename` (only with a one-entry source) stores it under another name. A name that
// is already present is a UsageError unless `replace`. Returns the names added.
std::vector<std::string> add_entries(const std::filesystem::path& registry,
                                     const std::filesystem::path& source, const std::string& rename,
                                     bool replace);

// Removes one entry (UsageError when absent).
void remove_entry(const std::filesystem::path& registry, const std::string& name);

// An entry name must be a non-empty run of [A-Za-z0-9._+-] not starting with '.'.
bool valid_entry_name(const std::string& name);

}  // namespace lineage::audit::registry
