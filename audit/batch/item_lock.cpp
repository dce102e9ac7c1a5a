// The per-item lock file (protocol in item_lock.h): O_EXCL creation, owner liveness from /proc on
// this host and from the heartbeat mtime elsewhere, and stale-lock breaking under a ".break" lock.
#include "audit/batch/item_lock.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <fstream>
#include <random>
#include <sstream>

#include "weights/core/error.h"

namespace lineage::audit::batch {
namespace fs = std::filesystem;
namespace {

std::string host_name() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown";
    return buf;
}

// Field 22 of /proc/<pid>/stat (after the parenthesised command name, which may hold spaces).
unsigned long long process_start(long pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text;
    if (!in || !std::getline(in, text)) return 0;
    const std::size_t close = text.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream fields(text.substr(close + 2));
    std::string f;
    for (int i = 3; i <= 22 && (fields >> f); ++i)
        if (i == 22) return std::strtoull(f.c_str(), nullptr, 10);
    return 0;
}

std::optional<std::string> read_small(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return std::nullopt;
    std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return s;
}

// Seconds since the file was last modified; nullopt when it is gone.
std::optional<double> age_seconds(const fs::path& p) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) return std::nullopt;
    struct timespec now {};
    ::clock_gettime(CLOCK_REALTIME, &now);
    return static_cast<double>(now.tv_sec - st.st_mtim.tv_sec) +
           1e-9 * static_cast<double>(now.tv_nsec - st.st_mtim.tv_nsec);
}

// Creates `p` exclusively with `content`. False when it exists; throws on other errors.
bool create_exclusive(const fs::path& p, const std::string& content) {
    const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        if (errno == EEXIST) return false;
        throw InputError(p.string(),
                         std::string("cannot create lock file: ") + std::strerror(errno));
    }
    const ssize_t n = ::write(fd, content.data(), content.size());
    ::close(fd);
    if (n != static_cast<ssize_t>(content.size())) {
        ::unlink(p.c_str());
        throw InputError(p.string(), "cannot write lock file (disk full?)");
    }
    return true;
}

bool is_stale(const std::string& content, const fs::path& p, std::chrono::seconds stale_after) {
    const auto owner = LockOwner::parse(content);
    const auto age = age_seconds(p);
    if (!age) return false;  // gone meanwhile: the next attempt simply creates it
    if (owner && owner->host == host_name()) return !owner_alive_on_this_host(*owner);
    // Another host (or a file cut short by a crash between create and write): heartbeat age.
    return *age > static_cast<double>(stale_after.count());
}

}  // namespace

std::string LockOwner::text() const {
    return "host=" + host + " pid=" + std::to_string(pid) + " start=" + std::to_string(start) +
           " nonce=" + nonce + "\n";
}

std::optional<LockOwner> LockOwner::parse(const std::string& text) {
    std::istringstream in(text);
    std::string field;
    LockOwner o;
    int seen = 0;
    while (in >> field) {
        const std::size_t eq = field.find('=');
        if (eq == std::string::npos) return std::nullopt;
        const std::string key = field.substr(0, eq), value = field.substr(eq + 1);
        if (key == "host") {
            o.host = value;
            seen |= 1;
        } else if (key == "pid") {
            o.pid = std::strtol(value.c_str(), nullptr, 10);
            seen |= 2;
        } else if (key == "start") {
            o.start = std::strtoull(value.c_str(), nullptr, 10);
            seen |= 4;
        } else if (key == "nonce") {
            o.nonce = value;
            seen |= 8;
        }
    }
    if (seen != 15 || o.pid <= 0) return std::nullopt;
    return o;
}

LockOwner LockOwner::self() {
    LockOwner o;
    o.host = host_name();
    o.pid = static_cast<long>(::getpid());
    o.start = process_start(o.pid);
    std::random_device rd;
    std::ostringstream nonce;
    nonce << std::hex << rd() << rd();
    o.nonce = nonce.str();
    return o;
}

bool owner_alive_on_this_host(const LockOwner& owner) {
    if (::kill(static_cast<pid_t>(owner.pid), 0) != 0 && errno == ESRCH) return false;
    // The pid exists; it is the owner only if it started when the owner did.
    const unsigned long long start = process_start(owner.pid);
    return owner.start == 0 || start == 0 || start == owner.start;
}

std::optional<ItemLock> ItemLock::try_acquire(const fs::path& path,
                                              std::chrono::seconds stale_after,
                                              std::string* holder) {
    const std::string mine = LockOwner::self().text();
    if (create_exclusive(path, mine)) return ItemLock(path, mine);

    const auto seen = read_small(path);
    if (!seen) {  // released meanwhile: one more try
        if (create_exclusive(path, mine)) return ItemLock(path, mine);
        if (holder) *holder = "(taken by another worker)";
        return std::nullopt;
    }
    if (!is_stale(*seen, path, stale_after)) {
        if (holder) *holder = seen->empty() ? std::string("(being written)") : *seen;
        if (holder && !holder->empty() && holder->back() == '\n') holder->pop_back();
        return std::nullopt;
    }
    // Stale: break it under the breaker lock, only if it is still the one judged stale.
    const fs::path breaker = path.string() + ".break";
    if (!create_exclusive(breaker, mine)) {
        const auto age = age_seconds(breaker);
        if (age && *age > 60.0) ::unlink(breaker.c_str());  // its holder died mid-break
        if (holder) *holder = "(stale lock being broken by another worker)";
        return std::nullopt;
    }
    std::optional<ItemLock> taken;
    const auto again = read_small(path);
    if (!again || *again == *seen) {
        ::unlink(path.c_str());
        if (create_exclusive(path, mine)) taken.emplace(ItemLock(path, mine));
    }
    ::unlink(breaker.c_str());
    if (!taken && holder) *holder = "(taken by another worker)";
    return taken;
}

ItemLock::ItemLock(ItemLock&& other) noexcept
    : path_(std::move(other.path_)), content_(std::move(other.content_)), held_(other.held_) {
    other.held_ = false;
}

ItemLock& ItemLock::operator=(ItemLock&& other) noexcept {
    if (this != &other) {
        release();
        path_ = std::move(other.path_);
        content_ = std::move(other.content_);
        held_ = other.held_;
        other.held_ = false;
    }
    return *this;
}

ItemLock::~ItemLock() {
    release();
}

void ItemLock::refresh() const {
    if (held_) ::utimensat(AT_FDCWD, path_.c_str(), nullptr, 0);
}

void ItemLock::release() {
    if (!held_) return;
    held_ = false;
    const auto now = read_small(path_);
    if (now && *now == content_) ::unlink(path_.c_str());
}

}  // namespace lineage::audit::batch
