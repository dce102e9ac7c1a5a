// Runs the items of a batch: each audit as a child process of the same `lineage` binary
// (`lineage audit PATH --base ... --out WORK`), at most `jobs` at a time, from a simple queue.
//
// Why child processes rather than run_audit() in threads: an audit that crashes, runs out of
// memory or is killed takes only itself down and is recorded as failed with its signal or exit
// code; its memory (models are mmap'ed, hidden states are large) returns to the system when it
// ends; `kill -9` of the whole batch has a simple meaning (every child dies with its parent through
// PR_SET_PDEATHSIG, nothing is finished that was not renamed into place); and an item runs exactly
// as the same `lineage audit` command would by hand, which its report records. The cost, one
// exec per item, is nothing beside an audit.
//
// Per item: skip when done (same arguments); take its lock (skip when a live worker holds it);
// start a fresh attempt folder; run the audit; record done (exit 0/1/6 with a report.json: pass,
// fail, inconclusive) or failed (any other exit, a signal, a timeout, or no report) and rename
// the attempt into place; release the lock. Locks of running items are refreshed every 30 s.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "audit/batch/manifest.h"
#include "audit/batch/result_store.h"

namespace lineage::audit::batch {

struct BatchJob {
    ManifestItem item;
    std::vector<std::string> args;  // the audit's arguments after the program, without --out
};

struct RunnerSettings {
    std::string program;                          // the lineage binary (usually /proc/self/exe)
    std::size_t jobs = 1;                         // concurrent audits
    double item_timeout_s = 0;                    // 0: none; else the audit is killed and failed
    std::chrono::seconds stale_after{600};        // see item_lock.h
    std::function<void(const std::string&)> log;  // one line per event (may be empty)
};

struct RunTally {
    std::size_t already_done = 0;  // skipped: finished before, same arguments
    std::size_t done = 0;          // finished now (any verdict)
    std::size_t failed = 0;        // attempted now and failed
    std::size_t busy = 0;          // skipped: a live worker holds the lock
};

RunTally run_batch(ResultStore& store, const std::vector<BatchJob>& jobs,
                   const RunnerSettings& settings);

// The path of the running executable (/proc/self/exe); InternalError when unreadable.
std::string self_executable();

}  // namespace lineage::audit::batch
