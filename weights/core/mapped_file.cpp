// POSIX mmap of a whole file, read-only and private; the descriptor is closed right after mapping.
#include "weights/core/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>

#include "weights/core/error.h"

namespace lineage::weights {
namespace {

// Live mappings [begin, end), so release_pages can refuse spans that are not file mappings.
std::mutex g_mutex;
std::map<std::uintptr_t, std::uintptr_t> g_mappings;

bool is_mapped(std::span<const std::byte> bytes) {
    const auto begin = reinterpret_cast<std::uintptr_t>(bytes.data());
    std::lock_guard lock(g_mutex);
    auto it = g_mappings.upper_bound(begin);
    if (it == g_mappings.begin()) return false;
    --it;
    return begin >= it->first && begin + bytes.size() <= it->second;
}

}  // namespace

std::shared_ptr<MappedFile> MappedFile::open(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw InputError(path, std::string("cannot open: ") + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw InputError(path, "not a regular file");
    }
    const auto size = static_cast<std::size_t>(st.st_size);
    const std::byte* data = nullptr;
    if (size > 0) {
        void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            const int err = errno;
            ::close(fd);
            throw InputError(path, std::string("cannot memory-map: ") + std::strerror(err));
        }
        data = static_cast<const std::byte*>(p);
        std::lock_guard lock(g_mutex);
        g_mappings[reinterpret_cast<std::uintptr_t>(p)] = reinterpret_cast<std::uintptr_t>(p) + size;
    }
    ::close(fd);
    return std::shared_ptr<MappedFile>(new MappedFile(path, data, size));
}

MappedFile::~MappedFile() {
    if (!data_) return;
    {
        std::lock_guard lock(g_mutex);
        g_mappings.erase(reinterpret_cast<std::uintptr_t>(data_));
    }
    ::munmap(const_cast<std::byte*>(data_), size_);
}

void MappedFile::advise_sequential() const {
    if (data_) ::madvise(const_cast<std::byte*>(data_), size_, MADV_SEQUENTIAL);
}

void release_pages(std::span<const std::byte> bytes) {
    // Only memory mapped by a live MappedFile: the same call on heap memory would zero it.
    if (!is_mapped(bytes)) return;
    static const std::uintptr_t page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
    const auto begin = reinterpret_cast<std::uintptr_t>(bytes.data());
    const auto first = (begin + page - 1) / page * page;
    const auto last = (begin + bytes.size()) / page * page;
    if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

}  // namespace lineage::weights
