// Digests that let a reviewer prove two submissions hold the same weights.
//  - file digest: SHA-256 of a file's bytes (what `sha256sum` prints);
//  - content digest: SHA-256 over the tensors sorted by name, each fed as
//      u64 name length, name, u64 dtype-name length, dtype name, u64 rank, rank x i64 dims,
//      u64 byte length, bytes            (integers little-endian)
//    prefixed by the tag "lineage-content-v1". It ignores how the tensors are split into shards,
//    the order of the header, __metadata__ and header padding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
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

// The same content digest, fed by a pass that reads the tensors for another purpose (any order,
// any thread): done(i) says tensors[i] has just been read, and every tensor whose predecessors in
// the digest's name order are all done is hashed at once, while its bytes are still in the page
// cache, so the digest costs no second pass over the files. finish() hashes whatever was never
// marked (none when the pass read everything) and returns what content_digest() returns.
class ContentDigestStream {
public:
    explicit ContentDigestStream(std::span<const TensorInfo> tensors);  // kept by reference
    ~ContentDigestStream();
    ContentDigestStream(const ContentDigestStream&) = delete;
    ContentDigestStream& operator=(const ContentDigestStream&) = delete;
    void done(std::size_t i);  // thread-safe; one thread hashes at a time, the others return
    std::string finish();      // after every done() has returned
    // Tensor bytes hashed after finish() was called (0 when the pass covered every tensor).
    std::uint64_t bytes_hashed_at_finish() const;

private:
    struct State;
    std::unique_ptr<State> s_;
};

}  // namespace lineage::weights
