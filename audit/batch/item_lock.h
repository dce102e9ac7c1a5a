// One lock file per batch item, so that two workers never audit the same item — whether they are
// --jobs workers of one run, two runs started by hand, or Slurm array tasks on different nodes
// sharing the output folder.
//
// Protocol (POSIX; works on local disks and on NFSv3+/Lustre/GPFS, where O_CREAT|O_EXCL is atomic):
//   take     open(lock, O_CREAT|O_EXCL) and write "host=H pid=P start=S nonce=X". S is the owner's
//            start time (/proc/P/stat), so a pid reused by an unrelated process is not mistaken for
//            the owner.
//   busy     the file exists and its owner is alive: on this host, process P exists with start S;
//            on another host, the file's mtime is younger than `stale_after` (owners refresh it
//            every 30 s while they work, see refresh()).
//   stale    otherwise (the owner died: kill -9, node failure, job cancelled). A stale lock is
//            broken under a second, short-lived lock "<lock>.break" (also O_EXCL): its holder
//            re-reads the lock, removes it only if it is still the stale one it judged, and takes
//            it. A ".break" older than 60 s is itself from a dead process and is removed.
//   release  the owner removes the lock if it still holds its own content.
// On shared filesystems, keep `stale_after` well above the heartbeat (30 s) plus clock skew between
// nodes and the server: a live owner whose refreshes stop reaching the server for that long would
// lose its lock (the default, 10 minutes, leaves ample margin).
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

namespace lineage::audit::batch {

// Who holds a lock, as written in the file.
struct LockOwner {
    std::string host;
    long pid = 0;
    unsigned long long start = 0;  // process start time in clock ticks since boot (0: unknown)
    std::string nonce;

    std::string text() const;  // one line, as stored
    static std::optional<LockOwner> parse(const std::string& text);
    static LockOwner self();  // this process, with a fresh nonce
};

// True when `owner` is a live process (same host: /proc; other hosts: never decided here).
bool owner_alive_on_this_host(const LockOwner& owner);

class ItemLock {
  public:
    // Takes the lock at `path`, breaking it if stale. Returns nullopt when a live owner holds it;
    // `holder` (when given) then receives its description. Throws InputError when the folder
    // cannot be written.
    static std::optional<ItemLock> try_acquire(const std::filesystem::path& path,
                                               std::chrono::seconds stale_after,
                                               std::string* holder = nullptr);

    ItemLock(ItemLock&& other) noexcept;
    ItemLock& operator=(ItemLock&& other) noexcept;
    ItemLock(const ItemLock&) = delete;
    ItemLock& operator=(const ItemLock&) = delete;
    ~ItemLock();

    void refresh() const;  // heartbeat: sets the file's mtime to now
    void release();        // idempotent
    const std::filesystem::path& path() const { return path_; }

  private:
    ItemLock(std::filesystem::path path, std::string content)
        : path_(std::move(path)), content_(std::move(content)) {}
    std::filesystem::path path_;
    std::string content_;
    bool held_ = true;
};

}  // namespace lineage::audit::batch
