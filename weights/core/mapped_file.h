// A read-only memory map of one whole file (RAII). Tensors are zero-copy views into it, so it is
// shared (shared_ptr) by the Checkpoint that hands those views out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace lineage::weights {

class MappedFile {
public:
    // Maps `path` read-only. Throws InputError naming the file when it cannot be opened, is not a
    // regular file, or cannot be mapped. An empty file maps to an empty span.
    static std::shared_ptr<MappedFile> open(const std::string& path);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    std::span<const std::byte> bytes() const { return {data_, size_}; }
    std::uint64_t size() const { return size_; }
    const std::string& path() const { return path_; }
    // Hints the kernel that the file will be read front to back (more read-ahead).
    void advise_sequential() const;

private:
    MappedFile(std::string path, const std::byte* data, std::size_t size)
        : path_(std::move(path)), data_(data), size_(size) {}
    std::string path_;
    const std::byte* data_ = nullptr;
    std::size_t size_ = 0;
};

// Drops this process's mapping of the whole pages inside `bytes` (a view into a MappedFile); the
// data stays in the page cache and is mapped again on the next access. Streaming code calls it on
// what it has consumed, so resident memory stays bounded whatever the model size.
void release_pages(std::span<const std::byte> bytes);

}  // namespace lineage::weights
