// The batch work queue (design in batch_runner.h): fork/exec one `lineage audit` per item, at most
// `jobs` at a time, reap them with waitpid, and turn each exit into a done or failed item.
#include "audit/batch/batch_runner.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <optional>
#include <thread>

#include "audit/batch/item_lock.h"
#include "weights/core/error.h"

namespace lineage::audit::batch {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string self_executable() {
    std::error_code ec;
    const fs::path p = fs::read_symlink("/proc/self/exe", ec);
    if (ec) throw InternalError("cannot read /proc/self/exe: " + ec.message());
    return p.string();
}

namespace {

constexpr auto kHeartbeat = std::chrono::seconds(30);

struct Running {
    const BatchJob* job;
    pid_t pid;
    fs::path work;
    ItemLock lock;
    Clock::time_point started;
    bool timed_out = false;
};

std::string utc_now() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

// Starts `argv` with stdout/stderr to files in `work`; the child dies with this process.
pid_t spawn(const std::vector<std::string>& argv, const fs::path& work) {
    const std::string out = (work / "audit.out").string(), err = (work / "audit.err").string();
    std::vector<char*> cargv;
    for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) throw InternalError(std::string("fork failed: ") + std::strerror(errno));
    if (pid == 0) {
        // Child: only async-signal-safe calls until exec.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(127);  // the parent died before prctl
        const int in = ::open("/dev/null", O_RDONLY);
        const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (in < 0 || o < 0 || e < 0) ::_exit(127);
        ::dup2(in, 0);
        ::dup2(o, 1);
        ::dup2(e, 2);
        ::execv(cargv[0], cargv.data());
        const char msg[] = "lineage batch: cannot execute the audit program\n";
        [[maybe_unused]] auto n = ::write(2, msg, sizeof msg - 1);
        ::_exit(127);
    }
    return pid;
}

// The last non-empty line of the audit's stderr: its one-line error message.
std::string last_error_line(const fs::path& file) {
    std::ifstream in(file);
    std::string line, last;
    while (std::getline(in, line))
        if (line.find_first_not_of(" \t\r") != std::string::npos) last = line;
    if (last.size() > 500) last = last.substr(0, 500) + "...";
    return last;
}

std::string verdict_of(const fs::path& report) {
    std::error_code ec;
    if (!fs::exists(report, ec)) return {};
    try {
        const JsonValue v = JsonValue::parse_file(report.string());
        const JsonValue* verdict = v.find("verdict");
        if (verdict != nullptr && verdict->is_string()) return verdict->as_string();
    } catch (const InputError&) {
    }
    return {};
}

ItemRecord finished_record(const Running& r, int status, double seconds) {
    ItemRecord rec;
    rec.id = r.job->item.id;
    rec.path = r.job->item.path;
    rec.bases = r.job->item.bases;
    rec.args = r.job->args;
    rec.host = LockOwner::self().host;
    rec.seconds = seconds;
    rec.finished_at = utc_now();
    if (WIFEXITED(status)) rec.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) rec.signal = WTERMSIG(status);
    const bool decided =
        rec.exit_code && (*rec.exit_code == 0 || *rec.exit_code == 1 || *rec.exit_code == 6);
    rec.verdict = decided ? verdict_of(r.work / "report.json") : std::string();
    if (decided && !rec.verdict.empty()) {
        rec.state = ItemState::done;
        return rec;
    }
    rec.state = ItemState::failed;
    rec.verdict.clear();
    if (r.timed_out)
        rec.error = "timed out (killed after the item timeout)";
    else if (rec.signal)
        rec.error = std::string("killed by signal ") + std::to_string(*rec.signal) + " (" +
                    ::strsignal(*rec.signal) + ")";
    else if (decided)
        rec.error = "the audit exited " + std::to_string(*rec.exit_code) +
                    " but wrote no readable report.json";
    else
        rec.error = last_error_line(r.work / "audit.err");
    if (rec.error.empty()) rec.error = "exit code " + std::to_string(rec.exit_code.value_or(-1));
    return rec;
}

}  // namespace

RunTally run_batch(ResultStore& store, const std::vector<BatchJob>& jobs,
                   const RunnerSettings& settings) {
    const auto log = [&](const std::string& line) {
        if (settings.log) settings.log(line);
    };
    const std::size_t width = settings.jobs == 0 ? 1 : settings.jobs;
    RunTally tally;
    std::vector<Running> running;
    std::size_t next = 0;
    auto last_beat = Clock::now();
    const std::string total = std::to_string(jobs.size());

    while (next < jobs.size() || !running.empty()) {
        // Fill free slots from the queue.
        while (running.size() < width && next < jobs.size()) {
            const BatchJob& job = jobs[next++];
            const std::string& id = job.item.id;
            const std::string tag = "[" + std::to_string(next) + "/" + total + "] " + id;
            if (store.state(id, job.args) == ItemState::done) {
                ++tally.already_done;
                log(tag + ": done before, skipped");
                continue;
            }
            std::string holder;
            auto lock = ItemLock::try_acquire(store.lock_path(id), settings.stale_after, &holder);
            if (!lock) {
                ++tally.busy;
                log(tag + ": another worker holds its lock (" + holder + "), skipped");
                continue;
            }
            if (store.state(id, job.args) == ItemState::done) {  // finished while we looked
                ++tally.already_done;
                log(tag + ": done before, skipped");
                continue;
            }
            const fs::path work = store.begin_attempt(id);
            std::vector<std::string> argv{settings.program};
            argv.insert(argv.end(), job.args.begin(), job.args.end());
            argv.push_back("--out");
            argv.push_back(work.string());
            log(tag + ": auditing " + job.item.path);
            const pid_t pid = spawn(argv, work);
            running.push_back(Running{&job, pid, work, std::move(*lock), Clock::now()});
        }
        // Reap finished children; kill those past the timeout.
        bool reaped = false;
        for (std::size_t i = 0; i < running.size();) {
            Running& r = running[i];
            int status = 0;
            const pid_t got = ::waitpid(r.pid, &status, WNOHANG);
            const double seconds = std::chrono::duration<double>(Clock::now() - r.started).count();
            if (got == 0) {
                if (settings.item_timeout_s > 0 && seconds > settings.item_timeout_s &&
                    !r.timed_out) {
                    ::kill(r.pid, SIGKILL);
                    r.timed_out = true;
                }
                ++i;
                continue;
            }
            if (got < 0) status = 0x7f00;  // lost child: recorded as a failure (exit 127)
            const ItemRecord rec = finished_record(r, status, seconds);
            store.finish_attempt(r.work, rec);
            r.lock.release();
            char secs[32];
            std::snprintf(secs, sizeof secs, "%.1f s", seconds);
            if (rec.state == ItemState::done) {
                ++tally.done;
                log(r.job->item.id + ": done (" + rec.verdict + ", " + secs + ")");
            } else {
                ++tally.failed;
                log(r.job->item.id + ": FAILED (" + rec.error + ")");
            }
            running.erase(running.begin() + static_cast<std::ptrdiff_t>(i));
            reaped = true;
        }
        if (Clock::now() - last_beat >= kHeartbeat) {
            for (const auto& r : running) r.lock.refresh();
            last_beat = Clock::now();
        }
        if (!reaped && !running.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return tally;
}

}  // namespace lineage::audit::batch
