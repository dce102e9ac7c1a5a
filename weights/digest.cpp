// SHA-256 through OpenSSL's EVP interface (hardware SHA extensions where the CPU has them).
#include "weights/digest.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "weights/core/error.h"
#include "weights/core/mapped_file.h"

namespace lineage::weights {
namespace {

class Sha256 {
public:
    Sha256() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
        if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1)
            throw InternalError("OpenSSL: cannot initialise SHA-256");
    }
    void update(const void* data, std::size_t n) {
        if (n && EVP_DigestUpdate(ctx_.get(), data, n) != 1) throw InternalError("OpenSSL: SHA-256 update failed");
    }
    void update_u64(std::uint64_t v) {
        unsigned char b[8];
        for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));
        update(b, 8);
    }
    void update_str(std::string_view s) {
        update_u64(s.size());
        update(s.data(), s.size());
    }
    std::string hex() {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        if (EVP_DigestFinal_ex(ctx_.get(), md, &len) != 1) throw InternalError("OpenSSL: SHA-256 final failed");
        static constexpr char kHex[] = "0123456789abcdef";
        std::string out;
        for (unsigned int i = 0; i < len; ++i) {
            out.push_back(kHex[md[i] >> 4]);
            out.push_back(kHex[md[i] & 0xF]);
        }
        return out;
    }

private:
    std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx_;
};

}  // namespace

std::string sha256_file(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw InputError(path.string(), std::string("cannot open: ") + std::strerror(errno));
    Sha256 h;
    std::vector<char> buffer(4 << 20);
    for (;;) {
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            const int err = errno;
            ::close(fd);
            throw InputError(path.string(), std::string("read error: ") + std::strerror(err));
        }
        if (n == 0) break;
        h.update(buffer.data(), static_cast<std::size_t>(n));
    }
    ::close(fd);
    return h.hex();
}

std::string sha256_hex(std::span<const std::byte> bytes) {
    Sha256 h;
    h.update(bytes.data(), bytes.size());
    return h.hex();
}

std::string content_digest(std::span<const TensorInfo> tensors) {
    std::vector<const TensorInfo*> order;
    for (const auto& t : tensors) order.push_back(&t);
    std::sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->name < b->name; });
    Sha256 h;
    h.update_str("lineage-content-v1");
    for (const auto* t : order) {
        h.update_str(t->name);
        h.update_str(dtype_name(t->dtype));
        h.update_u64(t->shape.size());
        for (auto d : t->shape) h.update_u64(static_cast<std::uint64_t>(d));
        h.update_u64(t->bytes.size());
        constexpr std::size_t kChunk = 16u << 20;  // hash, then unmap, 16 MiB at a time
        for (std::size_t off = 0; off < t->bytes.size(); off += kChunk) {
            const auto part = t->bytes.subspan(off, std::min(kChunk, t->bytes.size() - off));
            h.update(part.data(), part.size());
            if (t->bytes.size() > kChunk) release_pages(part);
        }
    }
    return h.hex();
}

}  // namespace lineage::weights
