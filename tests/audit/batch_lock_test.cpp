// Item locks and the result store (audit/batch/item_lock.h, result_store.h): a live owner keeps
// its lock, a dead one (this host: pid gone or reused; another host: no heartbeat) loses it; an
// attempt becomes a finished item in one rename, and states follow the markers.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "audit/batch/item_lock.h"
#include "audit/batch/result_store.h"
#include "weights/core/error.h"
#include "weights/safetensors_builder.h"

using namespace lineage::audit::batch;
using lineage::testing::TempDir;
using lineage::testing::write_bytes;
namespace fs = std::filesystem;

namespace {

constexpr std::chrono::seconds kStale{600};

long dead_pid() {
    const pid_t pid = ::fork();
    if (pid == 0) ::_exit(0);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return pid;
}

void age_file(const fs::path& p, long seconds) {
    struct timespec times[2];
    ::clock_gettime(CLOCK_REALTIME, &times[0]);
    times[0].tv_sec -= seconds;
    times[1] = times[0];
    REQUIRE(::utimensat(AT_FDCWD, p.c_str(), times, 0) == 0);
}

std::string read(const fs::path& p) {
    std::ifstream in(p);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("LockOwner text round-trips; garbage is rejected") {
    const LockOwner me = LockOwner::self();
    CHECK(me.pid == ::getpid());
    CHECK(me.start > 0);
    const auto back = LockOwner::parse(me.text());
    REQUIRE(back);
    CHECK(back->host == me.host);
    CHECK(back->start == me.start);
    CHECK(back->nonce == me.nonce);
    CHECK_FALSE(LockOwner::parse(""));
    CHECK_FALSE(LockOwner::parse("host=x pid=0 start=1 nonce=a"));
    CHECK_FALSE(LockOwner::parse("garbage"));
    CHECK(owner_alive_on_this_host(me));
}

TEST_CASE("a held lock is busy; release frees it; a second acquire then succeeds") {
    TempDir dir;
    const fs::path p = dir / "x.lock";
    auto first = ItemLock::try_acquire(p, kStale);
    REQUIRE(first);
    std::string holder;
    CHECK_FALSE(ItemLock::try_acquire(p, kStale, &holder));  // this process is alive
    CHECK(holder.find("pid=" + std::to_string(::getpid())) != std::string::npos);
    first->release();
    CHECK_FALSE(fs::exists(p));
    auto second = ItemLock::try_acquire(p, kStale);
    CHECK(second);
    ItemLock moved = std::move(*second);
    second.reset();  // the moved-from lock must not release
    CHECK(fs::exists(p));
}

TEST_CASE("stale locks are taken over; live ones are not") {
    TempDir dir;
    const fs::path p = dir / "x.lock";
    const LockOwner me = LockOwner::self();
    struct Case {
        const char* name;
        std::string content;
        long age_s;
        bool taken;
    };
    const Case cases[] = {
        {"dead pid, this host",
         "host=" + me.host + " pid=" + std::to_string(dead_pid()) + " start=5 nonce=a\n", 0, true},
        {"pid reused (other start time)",
         "host=" + me.host + " pid=" + std::to_string(me.pid) +
             " start=" + std::to_string(me.start + 1) + " nonce=b\n",
         0, true},
        {"live pid, this host, old heartbeat",
         "host=" + me.host + " pid=" + std::to_string(me.pid) +
             " start=" + std::to_string(me.start) + " nonce=c\n",
         100000, false},
        {"other host, fresh heartbeat", "host=elsewhere-node pid=12 start=5 nonce=d\n", 10, false},
        {"other host, no heartbeat", "host=elsewhere-node pid=12 start=5 nonce=e\n", 700, true},
        {"unreadable content, fresh", "", 0, false},
        {"unreadable content, old", "junk", 700, true},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        write_bytes(p, c.content);
        if (c.age_s > 0) age_file(p, c.age_s);
        auto lock = ItemLock::try_acquire(p, kStale);
        CHECK(lock.has_value() == c.taken);
        if (lock) CHECK(read(p).find("nonce=" + me.nonce) == std::string::npos);  // fresh nonce
        if (lock) CHECK(LockOwner::parse(read(p))->pid == me.pid);
        CHECK_FALSE(fs::exists(p.string() + ".break"));
        if (lock) lock->release();
        fs::remove(p);
    }
}

TEST_CASE("a breaker left by a dead process is cleared after 60 s") {
    TempDir dir;
    const fs::path p = dir / "x.lock";
    write_bytes(p, "host=elsewhere-node pid=12 start=5 nonce=e\n");
    age_file(p, 700);
    write_bytes(p.string() + ".break", "x");
    CHECK_FALSE(ItemLock::try_acquire(p, kStale));  // someone is breaking it right now
    age_file(p.string() + ".break", 120);
    CHECK_FALSE(ItemLock::try_acquire(p, kStale));  // clears the old breaker
    CHECK(ItemLock::try_acquire(p, kStale));        // and the next try breaks the lock
}

TEST_CASE("release leaves a lock alone that is no longer ours") {
    TempDir dir;
    const fs::path p = dir / "x.lock";
    auto lock = ItemLock::try_acquire(p, kStale);
    REQUIRE(lock);
    write_bytes(p, "host=elsewhere-node pid=12 start=5 nonce=z\n");
    lock->release();
    CHECK(fs::exists(p));
}

TEST_CASE("result store: pending, partial, done, failed, outdated") {
    TempDir dir;
    ResultStore store(dir / "out");
    const std::vector<std::string> args{"audit", "/m/a"};
    CHECK(store.state("a", args) == ItemState::pending);

    fs::path work = store.begin_attempt("a");
    CHECK(fs::is_directory(work));
    CHECK(work.parent_path() == store.dir() / "work");
    CHECK(store.state("a", args) == ItemState::partial);    // a crash here leaves only this
    CHECK(store.state("a.b", args) == ItemState::pending);  // ids that extend "a" are unaffected

    // A second attempt removes the first's leftovers.
    const fs::path work2 = store.begin_attempt("a");
    CHECK_FALSE(fs::exists(work));
    write_bytes(work2 / "report.json", "{}");
    ItemRecord rec;
    rec.id = "a";
    rec.state = ItemState::failed;
    rec.path = "/m/a";
    rec.args = args;
    rec.exit_code = 3;
    rec.error = "bad file";
    store.finish_attempt(work2, rec);
    CHECK_FALSE(fs::exists(work2));
    CHECK(store.state("a", args) == ItemState::failed);
    REQUIRE(store.record("a"));
    CHECK(store.record("a")->error == "bad file");
    CHECK(store.record("a")->exit_code == 3);

    // Redone: the failed result is replaced whole.
    const fs::path work3 = store.begin_attempt("a");
    write_bytes(work3 / "report.json", "{\"verdict\":\"fail\"}");
    rec.state = ItemState::done;
    rec.exit_code = 1;
    rec.error.clear();
    rec.verdict = "fail";
    store.finish_attempt(work3, rec);
    CHECK(store.state("a", args) == ItemState::done);
    CHECK_FALSE(fs::exists(store.item_dir("a") / "failed.json"));
    CHECK(fs::exists(store.item_dir("a") / "done.json"));
    CHECK(store.record("a")->verdict == "fail");
    CHECK(store.state("a", {"audit", "/m/a", "--seed", "1"}) == ItemState::partial);  // outdated
    CHECK(fs::is_empty(store.dir() / "work"));

    // A corrupted marker is never trusted.
    write_bytes(store.item_dir("a") / "done.json", "{\"schema\":");
    CHECK(store.state("a", args) == ItemState::partial);
    CHECK_THROWS_AS(store.record("a"), lineage::InputError);
}

TEST_CASE("result store: the manifest record round-trips") {
    TempDir dir;
    ResultStore store(dir / "out");
    CHECK(store.manifest().empty());
    std::vector<ManifestItem> items(2);
    items[0].id = "x";
    items[0].path = "/m/x";
    items[0].bases = {"/m/base"};
    items[1].id = "y";
    items[1].path = "org/name";
    store.write_manifest("/m/list.tsv", items);
    const auto back = store.manifest();
    REQUIRE(back.size() == 2);
    CHECK(back[0].bases == items[0].bases);
    CHECK(back[1].path == "org/name");
}

TEST_CASE("write_file_atomic replaces whole files and leaves no temporaries") {
    TempDir dir;
    write_file_atomic(dir / "f", "one");
    write_file_atomic(dir / "f", "two");
    CHECK(read(dir / "f") == "two");
    std::size_t files = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path())) ++files;
    CHECK(files == 1);
    CHECK_THROWS_AS(write_file_atomic(dir / "missing/f", "x"), lineage::InputError);
}
