// Resolution of a user-given path or model id to a checkpoint folder (rules in locate.h).
#include "weights/locate.h"

#include <cstdlib>
#include <fstream>

#include "weights/core/error.h"
#include "weights/formats/shard_index.h"

namespace lineage::weights {
namespace fs = std::filesystem;
namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
}

bool is_within(const fs::path& inner, const fs::path& outer) {
    auto i = inner.begin();
    for (auto o = outer.begin(); o != outer.end(); ++o, ++i) {
        if (o->empty()) continue;  // trailing separator
        if (i == inner.end() || *i != *o) return false;
    }
    return true;
}

// "ORG/NAME" or "NAME", each part of [A-Za-z0-9._-], not starting with '.' or '-'.
bool looks_like_model_id(const std::string& id) {
    if (id.empty() || id.size() > 200) return false;
    int slashes = 0;
    bool part_start = true;
    for (char c : id) {
        if (c == '/') {
            if (part_start) return false;
            ++slashes;
            part_start = true;
            continue;
        }
        const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
        if (!ok || (part_start && (c == '.' || c == '-'))) return false;
        part_start = false;
    }
    return slashes <= 1 && !part_start;
}

std::string read_ref(const fs::path& file) {
    std::ifstream in(file);
    std::string rev;
    std::getline(in, rev);
    while (!rev.empty() && (rev.back() == '\r' || rev.back() == ' ' || rev.back() == '\n')) rev.pop_back();
    return rev;
}

// The snapshot of a models--ORG--NAME folder for `revision` (a ref name or a commit hash).
std::optional<Location> snapshot_in(const fs::path& repo, const std::string& revision) {
    std::error_code ec;
    if (!fs::is_directory(repo, ec)) return std::nullopt;
    std::string rev = revision;
    const fs::path ref = repo / "refs" / revision;
    if (is_plain_file_name(revision) && fs::is_regular_file(ref, ec)) {
        rev = read_ref(ref);
        if (!is_plain_file_name(rev)) throw InputError(ref.string(), "ref does not hold a commit hash");
    } else if (revision == "main") {
        // No refs/main: accept a cache holding exactly one snapshot.
        std::vector<fs::path> snaps;
        for (const auto& e : fs::directory_iterator(repo / "snapshots", ec)) snaps.push_back(e.path());
        if (snaps.size() != 1)
            throw InputError(repo.string(), "no refs/main and " + std::to_string(snaps.size()) +
                                                " snapshots; name a revision as ORG/NAME@REVISION");
        rev = snaps[0].filename().string();
    }
    if (!is_plain_file_name(rev)) throw InputError(repo.string(), "invalid revision '" + revision + "'");
    const fs::path snap = repo / "snapshots" / rev;
    if (!fs::is_directory(snap, ec))
        throw InputError(snap.string(), "snapshot for revision '" + revision + "' is missing from the cache");
    Location loc;
    loc.root = snap;
    loc.trust_root = repo;
    loc.from_hf_cache = true;
    loc.revision = rev;
    return loc;
}

// A folder given by path that is itself a snapshot folder of the cache layout.
void adopt_cache_layout(Location& loc) {
    const fs::path abs = fs::absolute(loc.root).lexically_normal();
    const fs::path snapshots = abs.has_filename() ? abs.parent_path() : abs.parent_path().parent_path();
    const fs::path repo = snapshots.parent_path();
    if (snapshots.filename() == "snapshots" && repo.filename().string().starts_with("models--")) {
        loc.trust_root = repo;
        loc.from_hf_cache = true;
        loc.revision = abs.filename().string();
    }
}

}  // namespace

std::vector<fs::path> hf_cache_dirs() {
    std::vector<fs::path> dirs;
    if (auto v = env("HF_HUB_CACHE"); !v.empty()) dirs.emplace_back(v);
    if (auto v = env("HUGGINGFACE_HUB_CACHE"); !v.empty()) dirs.emplace_back(v);
    if (auto v = env("HF_HOME"); !v.empty()) dirs.push_back(fs::path(v) / "hub");
    if (auto v = env("XDG_CACHE_HOME"); !v.empty()) dirs.push_back(fs::path(v) / "huggingface" / "hub");
    if (auto v = env("HOME"); !v.empty()) dirs.push_back(fs::path(v) / ".cache" / "huggingface" / "hub");
    return dirs;
}

void check_inside(const fs::path& file, const fs::path& trust_root) {
    std::error_code ec;
    const fs::path real = fs::weakly_canonical(file, ec);
    const fs::path base = fs::weakly_canonical(trust_root, ec);
    if (!is_within(real, base))
        throw InputError(file.string(), "resolves outside the checkpoint folder (to " + real.string() +
                                            "); refusing to follow it");
}

Location locate_checkpoint(const std::string& arg) {
    std::error_code ec;
    const fs::path p(arg);
    if (fs::exists(p, ec)) {
        Location loc;
        if (fs::is_directory(p, ec)) {
            loc.root = p;
            // The top folder of a cached repository: follow refs/main.
            if (fs::path(fs::absolute(p).lexically_normal()).filename().string().starts_with("models--") &&
                fs::is_directory(p / "snapshots", ec)) {
                if (auto snap = snapshot_in(p, "main")) return *snap;
            }
            loc.trust_root = p;
            adopt_cache_layout(loc);
            return loc;
        }
        if (fs::is_regular_file(p, ec)) {  // follows symlinks
            loc.single_file = p;
            loc.root = p.has_parent_path() ? p.parent_path() : fs::path(".");
            loc.trust_root = loc.root;
            adopt_cache_layout(loc);
            return loc;
        }
        throw InputError(arg, "neither a folder nor a regular file");
    }
    // Not on disk: a model id in the local Hugging Face cache?
    std::string id = arg, revision = "main";
    if (const auto at = arg.rfind('@'); at != std::string::npos) {
        id = arg.substr(0, at);
        revision = arg.substr(at + 1);
    }
    if (looks_like_model_id(id) && !revision.empty()) {
        std::string folder = "models--" + id;
        if (const auto slash = folder.find('/'); slash != std::string::npos) folder.replace(slash, 1, "--");
        for (const auto& cache : hf_cache_dirs())
            if (auto snap = snapshot_in(cache / folder, revision)) return *snap;
        throw InputError(arg, "no such file or folder, and no model '" + id +
                                  "' in the Hugging Face cache (searched $HF_HUB_CACHE, $HF_HOME/hub, "
                                  "~/.cache/huggingface/hub); download it first");
    }
    throw InputError(arg, "no such file or folder");
}

}  // namespace lineage::weights
