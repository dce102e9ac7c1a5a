// Digests that let a reviewer prove two submissions hold the same weights.
//  - file digest: SHA-256 of a file's bytes (what `sha256sum` prints);
//  - content digest: SHA-256 over the tensors sorted by name, each fed as
//      u64 name length, name, u64 dtype-name length, dtype name, u64 rank, rank x i64 dims,
//      u64 byte length, bytes            (integers little-endian)
//    prefixed by the tag "lineage-content-v1". It ignores how the tensors are split into shards,
//    the order of the header, __metadata__ and header padding.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>

#include "weights/core/tensor_info.h"

namespace lineage::weights {

// Lower-case hex SHA-256 of a file, read in 4 MiB chunks. Throws InputError naming the file.
std::string sha256_file(const std::filesystem::path& path);
// Lower-case hex SHA-256 of bytes.
std::string sha256_hex(std::span<const std::byte> bytes);
// The content digest of `tensors` (sorted here, so any order is accepted).
std::string content_digest(std::span<const TensorInfo> tensors);

}  // namespace lineage::weights
