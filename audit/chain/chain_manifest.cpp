// Reading and checking a chain of checkpoints (format in the header).
#include "audit/chain/chain_manifest.h"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "weights/core/error.h"
#include "weights/core/json_value.h"

namespace lineage::audit {
namespace {

namespace fs = std::filesystem;

std::string resolve(const fs::path& base, const std::string& p) {
    if (p.empty() || fs::path(p).is_absolute() || base.empty()) return p;
    return (base / p).lexically_normal().string();
}

std::optional<std::int64_t> parse_int(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.remove_suffix(1);
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
    return v;
}

std::vector<std::string> split_tabs(const std::string& line) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (;;) {
        const std::size_t tab = line.find('\t', start);
        out.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
        if (tab == std::string::npos) break;
        start = tab + 1;
    }
    return out;
}

ChainManifest read_tsv(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(path, "cannot open the chain manifest");
    const fs::path base = fs::path(path).parent_path();
    ChainManifest m;
    m.source = path;
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty() || line[0] == '#') continue;
        const auto f = split_tabs(line);
        if (number == 1 && f[0] == "step") continue;  // header
        const std::string where = "line " + std::to_string(number) + ": ";
        if (f.size() < 2 || f.size() > 4)
            throw InputError(path, where + "expected step<TAB>path[<TAB>tokens_seen[<TAB>log]], got " +
                                       std::to_string(f.size()) + " field(s)");
        ChainEntry e;
        const auto step = parse_int(f[0]);
        if (!step || *step < 0) throw InputError(path, where + "step '" + f[0] + "' is not a non-negative integer");
        e.step = *step;
        if (f[1].empty()) throw InputError(path, where + "empty path");
        e.path = resolve(base, f[1]);
        if (f.size() >= 3 && !f[2].empty()) {
            const auto t = parse_int(f[2]);
            if (!t || *t < 0)
                throw InputError(path, where + "tokens_seen '" + f[2] + "' is not a non-negative integer");
            e.tokens_seen = *t;
        }
        if (f.size() == 4) e.log = f[3];
        m.checkpoints.push_back(std::move(e));
    }
    return m;
}

std::int64_t json_int(const JsonValue& v, const std::string& path, const std::string& where) {
    if (!v.is_number()) throw InputError(path, where + ": expected an integer");
    const double d = v.as_double();
    if (d < 0 || d != static_cast<double>(static_cast<std::int64_t>(d)))
        throw InputError(path, where + ": expected a non-negative integer");
    return v.as_int();
}

ChainManifest read_json(const std::string& path) {
    const JsonValue j = JsonValue::parse_file(path);
    const fs::path base = fs::path(path).parent_path();
    if (!j.is_object()) throw InputError(path, "expected a JSON object with \"checkpoints\"");
    const JsonValue* list = j.find("checkpoints");
    if (!list || !list->is_array()) throw InputError(path, "field 'checkpoints': expected an array");
    ChainManifest m;
    m.source = path;
    int i = 0;
    for (const JsonValue& c : list->as_array()) {
        const std::string where = "checkpoints[" + std::to_string(i++) + "]";
        if (!c.is_object()) throw InputError(path, where + ": expected an object");
        ChainEntry e;
        const JsonValue* step = c.find("step");
        if (!step) throw InputError(path, where + ": missing 'step'");
        e.step = json_int(*step, path, where + ".step");
        const JsonValue* p = c.find("path");
        if (!p || !p->is_string() || p->as_string().empty())
            throw InputError(path, where + ".path: expected a non-empty string");
        e.path = resolve(base, p->as_string());
        if (const JsonValue* t = c.find("tokens_seen"); t && !t->is_null())
            e.tokens_seen = json_int(*t, path, where + ".tokens_seen");
        if (const JsonValue* l = c.find("log"); l && !l->is_null()) {
            if (!l->is_string()) throw InputError(path, where + ".log: expected a string");
            e.log = l->as_string();
        }
        m.checkpoints.push_back(std::move(e));
    }
    if (const JsonValue* s = j.find("submitted"); s && !s->is_null()) {
        if (!s->is_string() || s->as_string().empty())
            throw InputError(path, "field 'submitted': expected a non-empty string");
        m.submitted = resolve(base, s->as_string());
    }
    return m;
}

}  // namespace

std::optional<std::int64_t> step_in_name(const std::string& path) {
    fs::path p(path);
    while (!p.empty() && p.filename().empty()) p = p.parent_path();
    const std::string name = p.filename().string();
    // The trailing run of digits, when the name has a step-like prefix before it.
    std::size_t end = name.size();
    std::size_t begin = end;
    while (begin > 0 && name[begin - 1] >= '0' && name[begin - 1] <= '9') --begin;
    if (begin == end || end - begin > 15) return std::nullopt;
    const std::string prefix = name.substr(0, begin);
    static const char* const kPrefixes[] = {"step-", "step_", "step", "checkpoint-", "checkpoint_",
                                            "ckpt-", "ckpt_", "global_step", "iter_", "iter-"};
    bool known = prefix.ends_with('@');
    for (const char* k : kPrefixes) known = known || prefix == k || prefix.ends_with(std::string("-") + k) ||
                                            prefix.ends_with(std::string("_") + k);
    if (!known) return std::nullopt;
    return parse_int(std::string_view(name).substr(begin));
}

ChainManifest read_chain_manifest(const std::string& path) {
    ChainManifest m = fs::path(path).extension() == ".json" ? read_json(path) : read_tsv(path);
    validate_chain(m, path);
    return m;
}

ChainManifest chain_from_folders(const std::vector<std::string>& folders) {
    if (folders.size() < 2)
        throw UsageError("a chain needs at least two checkpoints (give folders in order, or --manifest)");
    ChainManifest m;
    m.source = "command line";
    std::vector<std::optional<std::int64_t>> steps;
    for (const auto& f : folders) steps.push_back(step_in_name(f));
    bool named = true;
    for (std::size_t i = 0; i < steps.size(); ++i)
        named = named && steps[i] && (i == 0 || *steps[i] > *steps[i - 1]);
    // The last folder is often the final model, named without a step: number it after the others.
    if (!named && steps.size() >= 3 && !steps.back()) {
        bool rest = true;
        for (std::size_t i = 0; i + 1 < steps.size(); ++i)
            rest = rest && steps[i] && (i == 0 || *steps[i] > *steps[i - 1]);
        if (rest) {
            const std::int64_t gap = *steps[steps.size() - 2] - *steps[steps.size() - 3];
            steps.back() = *steps[steps.size() - 2] + std::max<std::int64_t>(1, gap);
            named = true;
            m.last_step_inferred = true;
        }
    }
    for (std::size_t i = 0; i < folders.size(); ++i) {
        ChainEntry e;
        e.path = folders[i];
        e.step = named ? *steps[i] : static_cast<std::int64_t>(i);
        m.checkpoints.push_back(std::move(e));
    }
    m.steps_from_positions = !named;
    validate_chain(m, m.source);
    return m;
}

void validate_chain(const ChainManifest& m, const std::string& where) {
    if (m.checkpoints.size() < 2)
        throw InputError(where, "a chain needs at least two checkpoints, got " +
                                    std::to_string(m.checkpoints.size()));
    const bool tokens = m.checkpoints.front().tokens_seen.has_value();
    for (std::size_t i = 0; i < m.checkpoints.size(); ++i) {
        const ChainEntry& e = m.checkpoints[i];
        if (e.tokens_seen.has_value() != tokens)
            throw InputError(where, "tokens_seen is given for some checkpoints but not for step " +
                                        std::to_string(e.step) + " (give it for all or none)");
        if (i == 0) continue;
        const ChainEntry& p = m.checkpoints[i - 1];
        if (e.step <= p.step)
            throw InputError(where, "steps must increase: step " + std::to_string(e.step) +
                                        " follows step " + std::to_string(p.step));
        if (tokens && *e.tokens_seen < *p.tokens_seen)
            throw InputError(where, "tokens_seen decreases at step " + std::to_string(e.step) +
                                        " (" + std::to_string(*e.tokens_seen) + " < " +
                                        std::to_string(*p.tokens_seen) + ")");
    }
}

}  // namespace lineage::audit
