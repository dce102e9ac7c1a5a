// Strict ZIP central-directory reader (layout and rules in zip_archive.h). Every field read from
// the file goes through a bounds-checked little-endian reader; every sum of sizes is checked.
#include "weights/formats/zip_archive.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "weights/core/error.h"

namespace lineage::weights {
namespace {

constexpr std::uint32_t kLocalSig = 0x04034b50;
constexpr std::uint32_t kCentralSig = 0x02014b50;
constexpr std::uint32_t kEndSig = 0x06054b50;
constexpr std::uint32_t kEnd64Sig = 0x06064b50;
constexpr std::uint32_t kLocator64Sig = 0x07064b50;
constexpr std::size_t kEndSize = 22, kLocator64Size = 20, kEnd64Size = 56, kCentralSize = 46,
                      kLocalSize = 30;
constexpr std::uint64_t kMaxEntries = 10'000'000;  // far beyond any checkpoint; caps allocation

// Little-endian field reads over the whole file, each bounds-checked.
class Reader {
  public:
    Reader(std::span<const std::byte> file, const std::string& where)
        : file_(file), where_(where) {}
    std::uint64_t u(std::uint64_t offset, int width, const char* what) const {
        if (offset > file_.size() || static_cast<std::uint64_t>(width) > file_.size() - offset)
            throw InputError(where_, std::string("zip: ") + what +
                                         " lies past the end of the file (truncated?)");
        std::uint64_t v = 0;
        for (int i = width - 1; i >= 0; --i)
            v = (v << 8) | static_cast<std::uint8_t>(file_[offset + i]);
        return v;
    }
    std::uint16_t u16(std::uint64_t o, const char* what) const {
        return static_cast<std::uint16_t>(u(o, 2, what));
    }
    std::uint32_t u32(std::uint64_t o, const char* what) const {
        return static_cast<std::uint32_t>(u(o, 4, what));
    }
    std::uint64_t u64(std::uint64_t o, const char* what) const { return u(o, 8, what); }
    std::string_view text(std::uint64_t offset, std::uint64_t len, const char* what) const {
        if (offset > file_.size() || len > file_.size() - offset)
            throw InputError(where_, std::string("zip: ") + what +
                                         " lies past the end of the file (truncated?)");
        return {reinterpret_cast<const char*>(file_.data()) + offset,
                static_cast<std::size_t>(len)};
    }
    std::uint64_t size() const { return file_.size(); }

  private:
    std::span<const std::byte> file_;
    const std::string& where_;
};

std::string shown(std::string_view s) {
    std::string out = "'";
    for (char c : s.substr(0, 200))
        out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7F ? '?' : c);
    return out + (s.size() > 200 ? "...'" : "'");
}

bool safe_name(std::string_view n) {
    if (n.empty() || n.front() == '/' || n.front() == '\\' ||
        n.find('\0') != std::string_view::npos)
        return false;
    std::size_t start = 0;
    while (start <= n.size()) {
        const auto end = std::min(n.find_first_of("/\\", start), n.size());
        if (n.substr(start, end - start) == "..") return false;
        start = end + 1;
    }
    return true;
}

struct End {
    std::uint64_t entries = 0, cd_size = 0, cd_offset = 0;
    std::uint64_t cd_limit = 0;  // where the central directory must end (start of the end records)
};

End find_end(const Reader& r, const std::string& where) {
    if (r.size() < kEndSize)
        throw InputError(where, "zip: file too short for an end-of-central-directory record");
    // The end record is the last 22 bytes plus a comment of at most 65535 bytes: scan backwards.
    const std::uint64_t lowest = r.size() >= kEndSize + 0xFFFF ? r.size() - kEndSize - 0xFFFF : 0;
    std::uint64_t at = r.size() - kEndSize;
    for (;; --at) {
        if (r.u32(at, "end record") == kEndSig &&
            at + kEndSize + r.u16(at + 20, "comment length") == r.size())
            break;
        if (at == lowest)
            throw InputError(
                where, "zip: no end-of-central-directory record (not a zip archive, or truncated)");
    }
    if (r.u16(at + 4, "disk number") != 0 || r.u16(at + 6, "central directory disk") != 0)
        throw InputError(where, "zip: multi-disk archives are not supported");
    End e;
    e.entries = r.u16(at + 10, "entry count");
    e.cd_size = r.u32(at + 12, "central directory size");
    e.cd_offset = r.u32(at + 16, "central directory offset");
    e.cd_limit = at;
    if (e.entries == 0xFFFF || e.cd_size == 0xFFFFFFFF || e.cd_offset == 0xFFFFFFFF ||
        at >= kLocator64Size) {
        if (at >= kLocator64Size && r.u32(at - kLocator64Size, "zip64 locator") == kLocator64Sig) {
            const std::uint64_t loc = at - kLocator64Size;
            const std::uint64_t rec = r.u64(loc + 8, "zip64 end record offset");
            if (rec > loc || loc - rec < kEnd64Size || r.u32(rec, "zip64 end record") != kEnd64Sig)
                throw InputError(
                    where, "zip: zip64 locator points to no zip64 end-of-central-directory record");
            e.entries = r.u64(rec + 32, "zip64 entry count");
            e.cd_size = r.u64(rec + 40, "zip64 central directory size");
            e.cd_offset = r.u64(rec + 48, "zip64 central directory offset");
            e.cd_limit = rec;
        } else if (e.entries == 0xFFFF || e.cd_size == 0xFFFFFFFF || e.cd_offset == 0xFFFFFFFF) {
            throw InputError(where,
                             "zip: end record asks for zip64 fields but there is no zip64 locator");
        }
    }
    if (e.cd_offset > e.cd_limit || e.cd_size > e.cd_limit - e.cd_offset)
        throw InputError(where, "zip: central directory (offset " + std::to_string(e.cd_offset) +
                                    ", size " + std::to_string(e.cd_size) +
                                    ") does not fit before the end record");
    if (e.entries > kMaxEntries || e.entries > e.cd_size / kCentralSize)
        throw InputError(where, "zip: entry count " + std::to_string(e.entries) +
                                    " does not fit the central directory");
    return e;
}

// Reads the zip64 extended-information extra field: a value is present only where the 32-bit field
// in the header is 0xFFFFFFFF, in the order uncompressed size, compressed size, local offset.
void apply_zip64(const Reader& r, std::uint64_t extra, std::uint64_t extra_len, ZipEntry& e,
                 std::uint64_t& local, bool need_size, bool need_csize, bool need_local,
                 const std::string& where) {
    std::uint64_t p = extra;
    const std::uint64_t end = extra + extra_len;
    while (p + 4 <= end) {
        const auto id = r.u16(p, "extra field id");
        const auto len = r.u16(p + 2, "extra field length");
        if (len > end - p - 4)
            throw InputError(where,
                             "zip: entry " + shown(e.name) + ": extra field overruns its header");
        if (id == 0x0001) {
            std::uint64_t q = p + 4;
            const std::uint64_t qend = q + len;
            auto take = [&](std::uint64_t& v) {
                if (q + 8 > qend)
                    throw InputError(
                        where, "zip: entry " + shown(e.name) + ": zip64 extra field too short");
                v = r.u64(q, "zip64 field");
                q += 8;
            };
            if (need_size) take(e.size);
            if (need_csize) take(e.compressed_size);
            if (need_local) take(local);
            return;
        }
        p += 4 + len;
    }
    if (need_size || need_csize || need_local)
        throw InputError(where, "zip: entry " + shown(e.name) +
                                    ": 32-bit field is 0xFFFFFFFF but no zip64 extra field");
}

}  // namespace

bool ZipArchive::looks_like_zip(std::span<const std::byte> file) {
    return file.size() >= 4 && static_cast<std::uint8_t>(file[0]) == 'P' &&
           static_cast<std::uint8_t>(file[1]) == 'K' && static_cast<std::uint8_t>(file[2]) == 3 &&
           static_cast<std::uint8_t>(file[3]) == 4;
}

ZipArchive ZipArchive::parse(std::span<const std::byte> file, const std::string& where) {
    const Reader r(file, where);
    const End end = find_end(r, where);
    ZipArchive zip;
    zip.file_ = file;
    zip.where_ = where;
    zip.entries_.reserve(static_cast<std::size_t>(end.entries));

    std::uint64_t p = end.cd_offset;
    const std::uint64_t cd_end = end.cd_offset + end.cd_size;
    for (std::uint64_t i = 0; i < end.entries; ++i) {
        if (cd_end - p < kCentralSize || r.u32(p, "central header") != kCentralSig)
            throw InputError(where, "zip: central directory entry " + std::to_string(i) +
                                        " is missing or malformed");
        ZipEntry e;
        const auto flags = r.u16(p + 8, "flags");
        e.method = r.u16(p + 10, "method");
        const std::uint32_t csize32 = r.u32(p + 20, "compressed size");
        const std::uint32_t size32 = r.u32(p + 24, "size");
        const std::uint64_t name_len = r.u16(p + 28, "name length");
        const std::uint64_t extra_len = r.u16(p + 30, "extra length");
        const std::uint64_t comment_len = r.u16(p + 32, "comment length");
        const std::uint32_t local32 = r.u32(p + 42, "local header offset");
        const std::uint64_t total = kCentralSize + name_len + extra_len + comment_len;
        if (total > cd_end - p)
            throw InputError(where, "zip: central directory entry " + std::to_string(i) +
                                        " overruns the directory");
        e.name = std::string(r.text(p + kCentralSize, name_len, "entry name"));
        if (!safe_name(e.name))
            throw InputError(where,
                             "zip: entry name " + shown(e.name) + " is not a safe relative path");
        if (flags & 0x0001)
            throw UnsupportedError(where, "zip: entry " + shown(e.name) + " is encrypted");
        e.size = size32;
        e.compressed_size = csize32;
        std::uint64_t local = local32;
        apply_zip64(r, p + kCentralSize + name_len, extra_len, e, local, size32 == 0xFFFFFFFF,
                    csize32 == 0xFFFFFFFF, local32 == 0xFFFFFFFF, where);
        p += total;

        // The local header: same name, data after its own name and extra field, before the
        // directory.
        if (local > end.cd_offset || end.cd_offset - local < kLocalSize ||
            r.u32(local, "local header") != kLocalSig)
            throw InputError(where, "zip: entry " + shown(e.name) + ": no local header at offset " +
                                        std::to_string(local));
        const std::uint64_t lname = r.u16(local + 26, "local name length");
        const std::uint64_t lextra = r.u16(local + 28, "local extra length");
        if (r.text(local + kLocalSize, lname, "local name") != e.name)
            throw InputError(
                where, "zip: entry " + shown(e.name) + ": local header names a different file");
        e.data_offset = local + kLocalSize + lname + lextra;
        if (e.data_offset > end.cd_offset || e.compressed_size > end.cd_offset - e.data_offset)
            throw InputError(where, "zip: entry " + shown(e.name) + ": data (" +
                                        std::to_string(e.compressed_size) + " bytes at " +
                                        std::to_string(e.data_offset) +
                                        ") runs into the central directory");
        if (e.method == 0 && e.size != e.compressed_size)
            throw InputError(where, "zip: stored entry " + shown(e.name) + " has size " +
                                        std::to_string(e.size) + " but compressed size " +
                                        std::to_string(e.compressed_size));
        zip.entries_.push_back(std::move(e));
    }
    std::sort(zip.entries_.begin(), zip.entries_.end(),
              [](const ZipEntry& a, const ZipEntry& b) { return a.name < b.name; });
    for (std::size_t i = 1; i < zip.entries_.size(); ++i)
        if (zip.entries_[i].name == zip.entries_[i - 1].name)
            throw InputError(where, "zip: entry " + shown(zip.entries_[i].name) + " appears twice");
    return zip;
}

const ZipEntry* ZipArchive::find(std::string_view name) const {
    auto it = std::lower_bound(entries_.begin(), entries_.end(), name,
                               [](const ZipEntry& e, std::string_view n) { return e.name < n; });
    return it != entries_.end() && it->name == name ? &*it : nullptr;
}

std::span<const std::byte> ZipArchive::data(const ZipEntry& entry) const {
    if (entry.method != 0)
        throw UnsupportedError(where_, "zip: entry " + shown(entry.name) +
                                           " is compressed (method " +
                                           std::to_string(entry.method) +
                                           "); torch.save writes stored entries only - re-save the "
                                           "checkpoint with torch.save");
    return file_.subspan(entry.data_offset, entry.size);
}

}  // namespace lineage::weights
