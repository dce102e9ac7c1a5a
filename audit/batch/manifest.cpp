// Manifest parsing (format in manifest.h): split TSV lines or walk the JSON items, check ids for
// uniqueness and folder-safety, and resolve every path to an absolute one that exists.
#include "audit/batch/manifest.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "weights/core/error.h"
#include "weights/core/json_value.h"
#include "weights/locate.h"

namespace lineage::audit::batch {
namespace fs = std::filesystem;

bool valid_item_id(const std::string& id) {
    if (id.empty() || id.size() > 128 || id[0] == '.') return false;
    for (char c : id) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

namespace {

std::string at(const std::string& where, std::size_t line) {
    return where + ":" + std::to_string(line);
}

// Absolute form of a path named in the manifest. Tried in order: relative to the manifest's
// folder, as given (absolute or relative to the current folder), then as a Hugging Face cache id
// (kept verbatim: the audit resolves it the same way on every node).
std::string resolve_path(const std::string& p, const std::string& base_dir, bool check,
                         const std::string& where, std::size_t line, const std::string& what) {
    if (p.empty()) throw InputError(at(where, line), what + " is empty");
    if (!check) return p;
    const fs::path given(p);
    std::error_code ec;
    if (given.is_relative() && !base_dir.empty()) {
        const fs::path beside = fs::path(base_dir) / given;
        if (fs::exists(beside, ec)) return fs::absolute(beside).lexically_normal().string();
    }
    if (fs::exists(given, ec)) return fs::absolute(given).lexically_normal().string();
    try {
        weights::locate_checkpoint(p);  // ORG/NAME in the local cache
        return p;
    } catch (const InputError&) {
        throw InputError(at(where, line), what + " '" + p +
                                              "' not found (relative paths are read from the "
                                              "manifest's folder " +
                                              (base_dir.empty() ? std::string(".") : base_dir) +
                                              ")");
    }
}

void check_ids(const std::vector<ManifestItem>& items, const std::string& where) {
    std::set<std::string> seen;
    for (const auto& item : items) {
        if (!valid_item_id(item.id))
            throw InputError(at(where, item.line),
                             "id '" + item.id +
                                 "' must be 1-128 characters of A-Z a-z 0-9 . _ - and not start "
                                 "with '.' (it names the result folder)");
        if (!seen.insert(item.id).second)
            throw InputError(at(where, item.line), "id '" + item.id + "' appears twice");
    }
}

std::vector<std::string> split_tabs(const std::string& line) {
    std::vector<std::string> fields;
    std::size_t start = 0;
    while (true) {
        const std::size_t tab = line.find('\t', start);
        fields.push_back(line.substr(start, tab == std::string::npos ? tab : tab - start));
        if (tab == std::string::npos) break;
        start = tab + 1;
    }
    return fields;
}

}  // namespace

std::vector<ManifestItem> parse_manifest_tsv(const std::string& text, const std::string& where,
                                             const std::string& base_dir, bool check_paths) {
    std::vector<ManifestItem> items;
    std::istringstream in(text);
    std::string line;
    std::size_t number = 0;
    bool first = true;  // the first line that is not blank or a comment may be the header
    while (std::getline(in, line)) {
        ++number;
        if (!line.empty() && line.back() == '\r') line.pop_back();  // files written on Windows
        if (line.find_first_not_of(" \t") == std::string::npos || line[0] == '#') continue;
        auto fields = split_tabs(line);
        while (!fields.empty() && fields.back().empty()) fields.pop_back();  // trailing tabs
        const bool header = first && fields.size() >= 2 && fields[0] == "id" && fields[1] == "path";
        first = false;
        if (header) continue;
        if (fields.size() < 2)
            throw InputError(at(where, number), "expected ID<TAB>PATH[<TAB>BASE]... (got " +
                                                    std::to_string(fields.size()) +
                                                    " field; separate with tabs)");
        ManifestItem item;
        item.line = number;
        item.id = fields[0];
        item.path = resolve_path(fields[1], base_dir, check_paths, where, number, "path");
        for (std::size_t i = 2; i < fields.size(); ++i)
            item.bases.push_back(
                resolve_path(fields[i], base_dir, check_paths, where, number, "base"));
        items.push_back(std::move(item));
    }
    check_ids(items, where);
    return items;
}

std::vector<ManifestItem> parse_manifest_json(const std::string& text, const std::string& where,
                                              const std::string& base_dir, bool check_paths) {
    const JsonValue doc = JsonValue::parse(text, where);
    const JsonValue* list = &doc;
    if (doc.is_object()) {
        list = doc.find("items");
        if (list == nullptr)
            throw InputError(where, "expected an object with \"items\" (an array)");
    }
    if (!list->is_array()) throw InputError(where, "\"items\" must be an array of objects");
    std::vector<ManifestItem> items;
    std::size_t index = 0;
    for (const JsonValue& entry : list->as_array()) {
        ++index;
        const std::string here = "item " + std::to_string(index);
        if (!entry.is_object()) throw InputError(at(where, index), here + " is not an object");
        const JsonValue* id = entry.find("id");
        const JsonValue* path = entry.find("path");
        if (id == nullptr || !id->is_string())
            throw InputError(at(where, index), here + ": \"id\" (a string) is missing");
        if (path == nullptr || !path->is_string())
            throw InputError(at(where, index), here + ": \"path\" (a string) is missing");
        ManifestItem item;
        item.line = index;
        item.id = id->as_string();
        item.path = resolve_path(path->as_string(), base_dir, check_paths, where, index, "path");
        if (const JsonValue* bases = entry.find("bases"); bases != nullptr && !bases->is_null()) {
            if (!bases->is_array())
                throw InputError(at(where, index), here + ": \"bases\" must be an array of paths");
            for (const JsonValue& b : bases->as_array()) {
                if (!b.is_string())
                    throw InputError(at(where, index), here + ": \"bases\" must hold strings");
                item.bases.push_back(
                    resolve_path(b.as_string(), base_dir, check_paths, where, index, "base"));
            }
        }
        items.push_back(std::move(item));
    }
    check_ids(items, where);
    return items;
}

std::vector<ManifestItem> read_manifest(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw InputError(file, "cannot open the manifest");
    std::ostringstream text;
    text << in.rdbuf();
    const fs::path p(file);
    const std::string dir = fs::absolute(p).parent_path().string();
    std::vector<ManifestItem> items = p.extension() == ".json"
                                          ? parse_manifest_json(text.str(), file, dir)
                                          : parse_manifest_tsv(text.str(), file, dir);
    if (items.empty()) throw InputError(file, "the manifest lists no items");
    return items;
}

}  // namespace lineage::audit::batch
