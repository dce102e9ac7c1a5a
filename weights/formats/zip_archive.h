// A minimal, strict reader of ZIP archives held in memory (a memory-mapped file), enough for the
// archives that torch.save writes (PyTorch >= 1.6, "pytorch_model.bin", "*.pt"):
//
//   [local header 0x04034b50][name][extra][data] ...     one per entry; torch pads `extra` so the
//                                                        data of every storage is 64-byte aligned
//   [central directory header 0x02014b50][name][extra][comment] ...
//   [zip64 end of central directory 0x06064b50]          (torch always writes it)
//   [zip64 locator 0x07064b50]
//   [end of central directory 0x06054b50][comment]
//
// The central directory is the authority (torch sets flag bit 3, so local headers hold zero sizes).
// Rules enforced: one disk only; entry count, sizes and offsets inside the file with checked
// arithmetic (zip64 extra fields read where a 32-bit field is 0xFFFFFFFF); every local header
// present, its name equal to the central one, its data ending before the central directory; no
// encrypted entries; no duplicate names; names without NUL, "..", a leading '/' or '\'. Only stored
// (method 0) entries give data: torch never compresses, so deflated entries are refused instead of
// inflated. CRC-32s are not verified (that would read every byte of multi-GB files up front).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lineage::weights {

struct ZipEntry {
    std::string name;
    std::uint16_t method = 0;  // 0 = stored, 8 = deflated, ...
    std::uint64_t size = 0;    // uncompressed size
    std::uint64_t compressed_size = 0;
    std::uint64_t data_offset = 0;  // absolute offset of the entry's data in the archive
};

class ZipArchive {
  public:
    // Parses the central directory of `file`; `where` names the file in errors. Throws InputError.
    static ZipArchive parse(std::span<const std::byte> file, const std::string& where);

    // True when `file` starts like a ZIP archive (local header signature "PK\3\4").
    static bool looks_like_zip(std::span<const std::byte> file);

    const std::vector<ZipEntry>& entries() const { return entries_; }
    // nullptr when absent.
    const ZipEntry* find(std::string_view name) const;
    // The stored bytes of an entry (zero-copy view into the file). Throws UnsupportedError for a
    // compressed entry.
    std::span<const std::byte> data(const ZipEntry& entry) const;

  private:
    std::span<const std::byte> file_;
    std::string where_;
    std::vector<ZipEntry> entries_;  // sorted by name
};

}  // namespace lineage::weights
