// The output folder of a batch audit, and the state of each item in it. Layout:
//
//   DIR/manifest.json             the manifest of the latest run, normalised (collect lists
//                                 items not yet run from it)
//   DIR/items/<id>/               a finished attempt: the audit's report.{json,md,html}, its
//                                 stdout/stderr (audit.out, audit.err) and the marker, written
//                                 last: done.json (the audit decided: pass, fail or inconclusive)
//                                 or failed.json (it could not: error message and exit code)
//   DIR/work/<id>@<host>.<pid>.<n>/  an attempt in progress ('@' never occurs in ids)
//   DIR/locks/<id>.lock           held while an attempt runs (item_lock.h)
//
// An attempt writes only into its own work folder; when the audit process has exited, the marker
// is written there (temporary name + rename) and the whole folder is renamed to items/<id> — one
// atomic step. So items/<id> either holds a complete result or does not exist: a crash or kill -9
// at any moment leaves at most a work folder behind (state "partial"), which the next run removes
// and redoes, and never touches a finished item.
//
// States: done (done.json, made with the same audit arguments), failed (failed.json), partial (a
// work folder or an unmarked item folder), pending (nothing yet). A done item whose arguments
// differ from the current run's (another policy, seed or base list) counts as not done.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "audit/batch/manifest.h"
#include "weights/core/json_value.h"

namespace lineage::audit::batch {

enum class ItemState { pending, partial, failed, done };
std::string_view item_state_name(ItemState s);

// The marker of a finished attempt (done.json / failed.json; schema "lineage.batch-item" 1).
struct ItemRecord {
    std::string id;
    ItemState state = ItemState::failed;  // done or failed
    std::string path;
    std::vector<std::string> bases;
    std::vector<std::string> args;  // the audit's arguments, without the program and --out
    std::optional<int> exit_code;   // absent when killed by a signal
    std::optional<int> signal;
    std::string verdict;  // pass / fail / inconclusive (done only)
    std::string error;    // one line (failed only)
    std::string host;
    double seconds = 0;
    std::string finished_at;  // ISO 8601 UTC

    JsonValue to_json() const;
    static ItemRecord from_json(const JsonValue& v, const std::string& where);  // InputError
};

// Writes `content` to `path` through a temporary file in the same folder, fsync and rename.
void write_file_atomic(const std::filesystem::path& path, const std::string& content);

class ResultStore {
  public:
    // Creates DIR, DIR/items, DIR/work and DIR/locks when missing; InputError when it cannot.
    explicit ResultStore(std::filesystem::path dir);

    const std::filesystem::path& dir() const { return dir_; }
    std::filesystem::path item_dir(const std::string& id) const { return dir_ / "items" / id; }
    std::filesystem::path lock_path(const std::string& id) const;

    // The item's state; `args` are the current run's audit arguments: a done item made with other
    // arguments is outdated and reported as partial, so that it is redone.
    ItemState state(const std::string& id, const std::vector<std::string>& args) const;
    // The marker of a finished item (done or failed), if any; InputError if it is malformed.
    std::optional<ItemRecord> record(const std::string& id) const;

    // Records the run's normalised manifest as DIR/manifest.json (atomically); `manifest()` reads
    // it back (empty when no run recorded one).
    void write_manifest(const std::string& source, const std::vector<ManifestItem>& items) const;
    std::vector<ManifestItem> manifest() const;

    // Starts an attempt (caller holds the item's lock): removes left-over work folders of `id`
    // and creates a fresh one, which it returns.
    std::filesystem::path begin_attempt(const std::string& id);
    // Ends an attempt: writes the marker into `work` and renames it to items/<id>, replacing a
    // previous (failed or outdated) result.
    void finish_attempt(const std::filesystem::path& work, const ItemRecord& record);

  private:
    std::filesystem::path dir_;
};

}  // namespace lineage::audit::batch
