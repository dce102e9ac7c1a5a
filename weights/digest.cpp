// SHA-256 through OpenSSL's EVP interface (hardware SHA extensions where the CPU has them).
#include "weights/digest.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
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

namespace {

// The digest's order: tensors sorted by name.
std::vector<std::size_t> name_order(std::span<const TensorInfo> tensors) {
    std::vector<std::size_t> order(tensors.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return tensors[a].name < tensors[b].name; });
    return order;
}

// One tensor's record in the content digest (the format in digest.h).
void hash_tensor(Sha256& h, const TensorInfo& t) {
    h.update_str(t.name);
    h.update_str(dtype_name(t.dtype));
    h.update_u64(t.shape.size());
    for (auto d : t.shape) h.update_u64(static_cast<std::uint64_t>(d));
    h.update_u64(t.bytes.size());
    constexpr std::size_t kChunk = 16u << 20;  // hash, then unmap, 16 MiB at a time
    for (std::size_t off = 0; off < t.bytes.size(); off += kChunk) {
        const auto part = t.bytes.subspan(off, std::min(kChunk, t.bytes.size() - off));
        h.update(part.data(), part.size());
        if (t.bytes.size() > kChunk) release_pages(part);
    }
}

}  // namespace

std::string content_digest(std::span<const TensorInfo> tensors) {
    Sha256 h;
    h.update_str("lineage-content-v1");
    for (const std::size_t i : name_order(tensors)) hash_tensor(h, tensors[i]);
    return h.hex();
}

struct ContentDigestStream::State {
    std::span<const TensorInfo> tensors;
    std::vector<std::size_t> order;  // name order
    std::vector<char> ready;         // by index into tensors
    std::size_t next = 0;            // position in `order` of the next tensor to hash
    bool hashing = false;            // a thread is inside the hashing loop
    std::uint64_t at_finish = 0;
    std::mutex mu;
    Sha256 h;
};

ContentDigestStream::ContentDigestStream(std::span<const TensorInfo> tensors)
    : s_(std::make_unique<State>()) {
    s_->tensors = tensors;
    s_->order = name_order(tensors);
    s_->ready.assign(tensors.size(), 0);
    s_->h.update_str("lineage-content-v1");
}

ContentDigestStream::~ContentDigestStream() = default;

void ContentDigestStream::done(std::size_t i) {
    State& s = *s_;
    std::unique_lock lock(s.mu);
    if (i >= s.ready.size()) throw InternalError("ContentDigestStream::done: index out of range");
    s.ready[i] = 1;
    if (s.hashing) return;  // the hashing thread will reach it
    s.hashing = true;
    while (s.next < s.order.size() && s.ready[s.order[s.next]]) {
        const TensorInfo& t = s.tensors[s.order[s.next++]];
        lock.unlock();  // others may mark tensors meanwhile; only this thread touches the hash
        hash_tensor(s.h, t);
        lock.lock();
    }
    s.hashing = false;
}

std::string ContentDigestStream::finish() {
    State& s = *s_;
    std::lock_guard lock(s.mu);
    for (; s.next < s.order.size(); ++s.next) {
        const TensorInfo& t = s.tensors[s.order[s.next]];
        s.at_finish += t.bytes.size();
        hash_tensor(s.h, t);
    }
    return s.h.hex();
}

std::uint64_t ContentDigestStream::bytes_hashed_at_finish() const { return s_->at_finish; }

}  // namespace lineage::weights
