// The batch output folder (layout in result_store.h): item markers, atomic writes, and the one
// rename that turns an attempt's work folder into a finished item.
#include "audit/batch/result_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "audit/batch/item_lock.h"
#include "weights/core/error.h"

namespace lineage::audit::batch {
namespace fs = std::filesystem;

std::string_view item_state_name(ItemState s) {
    switch (s) {
        case ItemState::pending:
            return "pending";
        case ItemState::partial:
            return "partial";
        case ItemState::failed:
            return "failed";
        case ItemState::done:
            return "done";
    }
    return "pending";
}

namespace {

const char* kDone = "done.json";
const char* kFailed = "failed.json";

JsonValue string_array(const std::vector<std::string>& v) {
    JsonValue a = JsonValue::array();
    for (const auto& s : v) a.push(JsonValue(s));
    return a;
}

std::vector<std::string> strings_of(const JsonValue* v, const std::string& where, const char* key) {
    std::vector<std::string> out;
    if (v == nullptr || v->is_null()) return out;
    if (!v->is_array()) throw InputError(where, std::string("\"") + key + "\" must be an array");
    for (const auto& s : v->as_array()) {
        if (!s.is_string())
            throw InputError(where, std::string("\"") + key + "\" must hold strings");
        out.push_back(s.as_string());
    }
    return out;
}

std::string string_of(const JsonValue& v, const char* key) {
    const JsonValue* f = v.find(key);
    return f != nullptr && f->is_string() ? f->as_string() : std::string();
}

std::optional<int> int_of(const JsonValue& v, const char* key) {
    const JsonValue* f = v.find(key);
    if (f == nullptr || !f->is_integer()) return std::nullopt;
    return static_cast<int>(f->as_int());
}

// A name no other attempt uses: host, pid and a per-process counter.
std::string attempt_suffix() {
    static std::atomic<unsigned> counter{0};
    const LockOwner me = LockOwner::self();
    return me.host + "." + std::to_string(me.pid) + "." + std::to_string(counter++);
}

}  // namespace

JsonValue ItemRecord::to_json() const {
    JsonValue v = JsonValue::object();
    v.set("schema", "lineage.batch-item");
    v.set("schema_version", 1);
    v.set("id", id);
    v.set("state", item_state_name(state));
    v.set("path", path);
    v.set("bases", string_array(bases));
    v.set("args", string_array(args));
    v.set("exit_code", exit_code ? JsonValue(*exit_code) : JsonValue());
    v.set("signal", signal ? JsonValue(*signal) : JsonValue());
    v.set("verdict", verdict.empty() ? JsonValue() : JsonValue(verdict));
    v.set("error", error.empty() ? JsonValue() : JsonValue(error));
    v.set("host", host);
    v.set("seconds", seconds);
    v.set("finished_at", finished_at);
    return v;
}

ItemRecord ItemRecord::from_json(const JsonValue& v, const std::string& where) {
    if (!v.is_object() || string_of(v, "schema") != "lineage.batch-item")
        throw InputError(where, "not a batch item record (schema \"lineage.batch-item\")");
    ItemRecord r;
    r.id = string_of(v, "id");
    const std::string state = string_of(v, "state");
    if (state != "done" && state != "failed")
        throw InputError(where, "\"state\" must be \"done\" or \"failed\" (got '" + state + "')");
    r.state = state == "done" ? ItemState::done : ItemState::failed;
    r.path = string_of(v, "path");
    r.bases = strings_of(v.find("bases"), where, "bases");
    r.args = strings_of(v.find("args"), where, "args");
    r.exit_code = int_of(v, "exit_code");
    r.signal = int_of(v, "signal");
    r.verdict = string_of(v, "verdict");
    r.error = string_of(v, "error");
    r.host = string_of(v, "host");
    if (const JsonValue* s = v.find("seconds"); s != nullptr && s->is_number())
        r.seconds = s->as_double();
    r.finished_at = string_of(v, "finished_at");
    return r;
}

void write_file_atomic(const fs::path& path, const std::string& content) {
    const fs::path tmp = path.string() + ".tmp." + attempt_suffix();
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        throw InputError(tmp.string(), std::string("cannot create: ") + std::strerror(errno));
    std::size_t off = 0;
    while (off < content.size()) {
        const ssize_t n = ::write(fd, content.data() + off, content.size() - off);
        if (n <= 0) {
            ::close(fd);
            ::unlink(tmp.c_str());
            throw InputError(tmp.string(), "cannot write (disk full?)");
        }
        off += static_cast<std::size_t>(n);
    }
    ::fsync(fd);
    ::close(fd);
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const std::string why = std::strerror(errno);
        ::unlink(tmp.c_str());
        throw InputError(path.string(), "cannot rename into place: " + why);
    }
}

ResultStore::ResultStore(fs::path dir) : dir_(fs::absolute(std::move(dir)).lexically_normal()) {
    for (const char* sub : {"items", "work", "locks"}) {
        std::error_code ec;
        fs::create_directories(dir_ / sub, ec);
        if (ec) throw InputError((dir_ / sub).string(), "cannot create folder: " + ec.message());
    }
}

fs::path ResultStore::lock_path(const std::string& id) const {
    return dir_ / "locks" / (id + ".lock");
}

std::optional<ItemRecord> ResultStore::record(const std::string& id) const {
    for (const char* marker : {kDone, kFailed}) {
        const fs::path p = item_dir(id) / marker;
        std::error_code ec;
        if (!fs::exists(p, ec)) continue;
        ItemRecord r = ItemRecord::from_json(JsonValue::parse_file(p.string()), p.string());
        return r;
    }
    return std::nullopt;
}

ItemState ResultStore::state(const std::string& id, const std::vector<std::string>& args) const {
    std::optional<ItemRecord> r;
    try {
        r = record(id);
    } catch (const InputError&) {
        return ItemState::partial;  // an unreadable marker is redone, never trusted
    }
    if (r && r->state == ItemState::done)
        return r->args == args ? ItemState::done : ItemState::partial;
    if (r) return ItemState::failed;
    std::error_code ec;
    if (fs::exists(item_dir(id), ec)) return ItemState::partial;
    for (const auto& e : fs::directory_iterator(dir_ / "work", ec))
        if (e.path().filename().string().rfind(id + "@", 0) == 0) return ItemState::partial;
    return ItemState::pending;
}

void ResultStore::write_manifest(const std::string& source,
                                 const std::vector<ManifestItem>& items) const {
    JsonValue v = JsonValue::object();
    v.set("schema", "lineage.batch-manifest");
    v.set("schema_version", 1);
    v.set("source", source);
    JsonValue list = JsonValue::array();
    for (const auto& item : items) {
        JsonValue e = JsonValue::object();
        e.set("id", item.id);
        e.set("path", item.path);
        e.set("bases", string_array(item.bases));
        list.push(std::move(e));
    }
    v.set("items", std::move(list));
    write_file_atomic(dir_ / "manifest.json", v.dump(2) + "\n");
}

std::vector<ManifestItem> ResultStore::manifest() const {
    const fs::path p = dir_ / "manifest.json";
    std::error_code ec;
    if (!fs::exists(p, ec)) return {};
    std::ifstream in(p, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return parse_manifest_json(text.str(), p.string(), dir_.string(), /*check_paths=*/false);
}

fs::path ResultStore::begin_attempt(const std::string& id) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir_ / "work", ec))
        if (e.path().filename().string().rfind(id + "@", 0) == 0) fs::remove_all(e.path(), ec);
    const fs::path work = dir_ / "work" / (id + "@" + attempt_suffix());
    fs::create_directories(work, ec);
    if (ec) throw InputError(work.string(), "cannot create folder: " + ec.message());
    return work;
}

void ResultStore::finish_attempt(const fs::path& work, const ItemRecord& record) {
    write_file_atomic(work / (record.state == ItemState::done ? kDone : kFailed),
                      record.to_json().dump(2) + "\n");
    const fs::path target = item_dir(record.id);
    std::error_code ec;
    if (fs::exists(target, ec)) {
        // Move the old result aside first (rename is atomic); a crash between the two renames
        // leaves the item absent, i.e. redone, never half-replaced.
        const fs::path old = dir_ / "work" / (record.id + "@replaced." + attempt_suffix());
        if (::rename(target.c_str(), old.c_str()) != 0)
            throw InputError(target.string(),
                             std::string("cannot move aside: ") + std::strerror(errno));
        fs::remove_all(old, ec);
    }
    if (::rename(work.c_str(), target.c_str()) != 0)
        throw InputError(target.string(), std::string("cannot rename the finished attempt into "
                                                      "place: ") +
                                              std::strerror(errno));
}

}  // namespace lineage::audit::batch
