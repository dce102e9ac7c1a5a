// Reads a policy from TOML (toml++) and validates it strictly: required keys present, every key
// known, every value of the right type and in range, rule ids unique, each rule's relations valid
// for its finding kind. Errors name the file, the line where toml++ knows it, and the key path:
//   policies/x.toml:14: key 'rules[1].severity': expected one of fail, warn, inform (got "error")
#include <openssl/evp.h>

#include <toml++/toml.h>
#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "audit/policy/policy.h"
#include "weights/core/error.h"

namespace lineage::audit {

namespace {

constexpr std::uintmax_t kMaxPolicyBytes = 1 << 20;

std::string sha256_hex(std::string_view text) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(text.data(), text.size(), md, &len, EVP_sha256(), nullptr) != 1) {
        throw InternalError("policy: SHA-256 failed");
    }
    static const char* hex = "0123456789abcdef";
    std::string out = "sha256:";
    for (unsigned int i = 0; i < len; ++i) {
        out += hex[md[i] >> 4];
        out += hex[md[i] & 15];
    }
    return out;
}

// Validation context: the file name and helpers that throw errors naming key and line.
class Validator {
  public:
    explicit Validator(std::string_view where) : where_(where) {}

    [[noreturn]] void fail(const toml::node* node, std::string_view key,
                           std::string_view problem) const {
        std::string msg(where_);
        if (node && node->source().begin.line > 0)
            msg += ":" + std::to_string(node->source().begin.line);
        msg += ": key '" + std::string(key) + "': " + std::string(problem);
        throw InputError(msg);
    }

    // Rejects keys of `table` outside `allowed`.
    void only_keys(const toml::table& table, std::string_view prefix,
                   std::initializer_list<std::string_view> allowed) const {
        for (auto&& [k, v] : table) {
            if (std::find(allowed.begin(), allowed.end(), k.str()) == allowed.end()) {
                std::string names;
                for (auto a : allowed) names += (names.empty() ? "" : ", ") + std::string(a);
                fail(&v, join(prefix, k.str()), "unknown key (allowed here: " + names + ")");
            }
        }
    }

    static std::string join(std::string_view prefix, std::string_view key) {
        return prefix.empty() ? std::string(key) : std::string(prefix) + "." + std::string(key);
    }

    const toml::table* table(const toml::table& parent, std::string_view prefix,
                             std::string_view key, bool required) const {
        const toml::node* n = parent.get(key);
        if (!n) {
            if (required) fail(&parent, join(prefix, key), "missing (a table is required)");
            return nullptr;
        }
        if (!n->is_table()) fail(n, join(prefix, key), "expected a table");
        return n->as_table();
    }

    std::optional<std::string> string(const toml::table& parent, std::string_view prefix,
                                      std::string_view key, bool required) const {
        const toml::node* n = parent.get(key);
        if (!n) {
            if (required) fail(&parent, join(prefix, key), "missing (a string is required)");
            return std::nullopt;
        }
        if (!n->is_string()) fail(n, join(prefix, key), "expected a string");
        return n->as_string()->get();
    }

    std::optional<bool> boolean(const toml::table& parent, std::string_view prefix,
                                std::string_view key) const {
        const toml::node* n = parent.get(key);
        if (!n) return std::nullopt;
        if (!n->is_boolean()) fail(n, join(prefix, key), "expected true or false");
        return n->as_boolean()->get();
    }

    std::optional<double> number(const toml::table& parent, std::string_view prefix,
                                 std::string_view key) const {
        const toml::node* n = parent.get(key);
        if (!n) return std::nullopt;
        if (n->is_floating_point()) return n->as_floating_point()->get();
        if (n->is_integer()) return static_cast<double>(n->as_integer()->get());
        fail(n, join(prefix, key), "expected a number");
    }

    std::vector<std::string> strings(const toml::table& parent, std::string_view prefix,
                                     std::string_view key, bool required) const {
        const toml::node* n = parent.get(key);
        std::vector<std::string> out;
        if (!n) {
            if (required)
                fail(&parent, join(prefix, key), "missing (an array of strings is required)");
            return out;
        }
        const toml::array* arr = n->as_array();
        if (!arr) fail(n, join(prefix, key), "expected an array of strings");
        for (std::size_t i = 0; i < arr->size(); ++i) {
            const toml::node& item = *arr->get(i);
            if (!item.is_string()) {
                fail(&item, join(prefix, key) + "[" + std::to_string(i) + "]", "expected a string");
            }
            out.push_back(item.as_string()->get());
        }
        if (required && out.empty()) fail(n, join(prefix, key), "must not be empty");
        return out;
    }

    const toml::node* node(const toml::table& parent, std::string_view key) const {
        return parent.get(key);
    }

  private:
    std::string_view where_;
};

bool is_identifier(std::string_view s, bool allow_dots) {
    if (s.empty() || s.size() > 64) return false;
    return std::all_of(s.begin(), s.end(), [&](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
               (allow_dots && c == '.');
    });
}

template <class T>
std::string one_of(const T& names) {
    std::string s;
    for (const auto& n : names) s += (s.empty() ? "" : ", ") + std::string(n);
    return s;
}

Rule parse_rule(const Validator& v, const toml::table& t, const std::string& prefix) {
    v.only_keys(
        t, prefix,
        {"id", "severity", "kind", "relations", "components", "description", "description_ko"});
    Rule rule;
    rule.id = *v.string(t, prefix, "id", true);
    if (!is_identifier(rule.id, false)) {
        v.fail(v.node(t, "id"), prefix + ".id",
               "must be 1-64 characters of a-z, 0-9, '-' or '_' (got \"" + rule.id + "\")");
    }
    std::string severity = *v.string(t, prefix, "severity", true);
    static constexpr std::array<std::string_view, 3> severities{"fail", "warn", "inform"};
    auto sit = std::find(severities.begin(), severities.end(), severity);
    if (sit == severities.end()) {
        v.fail(v.node(t, "severity"), prefix + ".severity",
               "expected one of " + one_of(severities) + " (got \"" + severity + "\")");
    }
    rule.severity = static_cast<Severity>(sit - severities.begin());
    std::string kind = *v.string(t, prefix, "kind", true);
    auto k = parse_finding_kind(kind);
    if (!k) {
        std::vector<std::string_view> names;
        for (auto fk : all_finding_kinds()) names.push_back(finding_kind_name(fk));
        v.fail(v.node(t, "kind"), prefix + ".kind",
               "expected one of " + one_of(names) + " (got \"" + kind + "\")");
    }
    rule.kind = *k;
    rule.relations = v.strings(t, prefix, "relations", true);
    for (std::size_t i = 0; i < rule.relations.size(); ++i) {
        if (!is_relation_of(rule.kind, rule.relations[i])) {
            v.fail(v.node(t, "relations"), prefix + ".relations[" + std::to_string(i) + "]",
                   "\"" + rule.relations[i] + "\" is not a relation of kind " + kind +
                       " (expected one of " + one_of(relations_of(rule.kind)) + ")");
        }
    }
    rule.components = v.strings(t, prefix, "components", false);
    for (std::size_t i = 0; i < rule.components.size(); ++i) {
        if (rule.components[i].empty()) {
            v.fail(v.node(t, "components"), prefix + ".components[" + std::to_string(i) + "]",
                   "an empty pattern matches nothing; use \"*\" for every component");
        }
    }
    rule.description = v.string(t, prefix, "description", false).value_or("");
    rule.description_ko = v.string(t, prefix, "description_ko", false).value_or("");
    return rule;
}

// decision.<key> = "inconclusive" | "ignore" (absent: `fallback`).
InconclusivePolicy undecided_policy(const Validator& v, const toml::table& decision,
                                    std::string_view key, InconclusivePolicy fallback) {
    const auto value = v.string(decision, "decision", key, false);
    if (!value) return fallback;
    if (*value == "inconclusive") return InconclusivePolicy::inconclusive;
    if (*value == "ignore") return InconclusivePolicy::ignore;
    v.fail(decision.get(key), "decision." + std::string(key),
           "expected one of inconclusive, ignore (got \"" + *value + "\")");
}

}  // namespace

std::string_view severity_name(Severity s) {
    switch (s) {
        case Severity::fail:
            return "fail";
        case Severity::warn:
            return "warn";
        case Severity::inform:
            return "inform";
    }
    return "inform";
}

Policy parse_policy(std::string_view text, std::string_view where) {
    toml::table root;
    try {
        root = toml::parse(text, where);
    } catch (const toml::parse_error& e) {
        const auto& b = e.source().begin;
        throw InputError(std::string(where) + ":" + std::to_string(b.line) + ":" +
                         std::to_string(b.column) +
                         ": TOML syntax error: " + std::string(e.description()));
    }
    Validator v(where);
    v.only_keys(root, "", {"schema", "policy", "decision", "rules"});

    const toml::node* schema = root.get("schema");
    if (!schema) v.fail(nullptr, "schema", "missing (this version reads schema = 1)");
    if (!schema->is_integer() || schema->as_integer()->get() != 1) {
        v.fail(schema, "schema", "unsupported policy schema (this version reads schema = 1)");
    }

    Policy p;
    const toml::table* meta = v.table(root, "", "policy", true);
    v.only_keys(*meta, "policy", {"name", "version", "description", "description_ko"});
    p.name = *v.string(*meta, "policy", "name", true);
    if (!is_identifier(p.name, true)) {
        v.fail(meta->get("name"), "policy.name",
               "must be 1-64 characters of a-z, 0-9, '-', '_' or '.' (got \"" + p.name + "\")");
    }
    p.version = *v.string(*meta, "policy", "version", true);
    if (p.version.empty() || p.version.size() > 32)
        v.fail(meta->get("version"), "policy.version", "must be 1-32 characters");
    p.description = v.string(*meta, "policy", "description", false).value_or("");
    p.description_ko = v.string(*meta, "policy", "description_ko", false).value_or("");

    if (const toml::table* d = v.table(root, "", "decision", false)) {
        v.only_keys(*d, "decision",
                    {"derived_alpha", "bonferroni", "require_power", "inconclusive_components",
                     "uncompared_components"});
        if (auto a = v.number(*d, "decision", "derived_alpha")) {
            if (!(*a > 0.0 && *a < 1.0)) {
                v.fail(d->get("derived_alpha"), "decision.derived_alpha",
                       "must lie strictly between 0 and 1");
            }
            p.derived_alpha = *a;
        }
        p.bonferroni = v.boolean(*d, "decision", "bonferroni").value_or(p.bonferroni);
        p.require_power = v.boolean(*d, "decision", "require_power").value_or(p.require_power);
        p.inconclusive_components =
            undecided_policy(v, *d, "inconclusive_components", p.inconclusive_components);
        p.uncompared_components =
            undecided_policy(v, *d, "uncompared_components", p.uncompared_components);
    }

    const toml::node* rules = root.get("rules");
    if (!rules) v.fail(nullptr, "rules", "missing (at least one [[rules]] table is required)");
    const toml::array* arr = rules->as_array();
    if (!arr || !arr->is_array_of_tables())
        v.fail(rules, "rules", "expected an array of tables ([[rules]])");
    if (arr->empty()) v.fail(rules, "rules", "must hold at least one rule");
    std::set<std::string> ids;
    for (std::size_t i = 0; i < arr->size(); ++i) {
        std::string prefix = "rules[" + std::to_string(i) + "]";
        Rule rule = parse_rule(v, *arr->get(i)->as_table(), prefix);
        if (!ids.insert(rule.id).second) {
            v.fail(arr->get(i)->as_table()->get("id"), prefix + ".id",
                   "duplicate rule id \"" + rule.id + "\"");
        }
        p.rules.push_back(std::move(rule));
    }
    p.source = std::string(where);
    p.digest = sha256_hex(text);
    return p;
}

Policy load_policy(const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        throw InputError(path.string(), "policy file not found (or not a regular file)");
    }
    auto size = std::filesystem::file_size(path, ec);
    if (ec) throw InputError(path.string(), "cannot read policy file: " + ec.message());
    if (size > kMaxPolicyBytes) {
        throw InputError(path.string(),
                         "policy file is " + std::to_string(size) + " bytes (limit 1 MiB)");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(path.string(), "cannot open policy file");
    std::ostringstream buf;
    buf << in.rdbuf();
    return parse_policy(buf.str(), path.string());
}

Policy builtin_policy() {
    Policy p = parse_policy(builtin_policy_text(), "builtin:independent-foundation");
    return p;
}

bool glob_match(std::string_view pattern, std::string_view s) {
    // Iterative wildcard matching with one backtrack point (linear in practice).
    std::size_t p = 0, i = 0, star = std::string_view::npos, mark = 0;
    while (i < s.size()) {
        if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == s[i])) {
            ++p;
            ++i;
        } else if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            mark = i;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            i = ++mark;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

bool rule_matches(const Rule& rule, FindingKind kind, std::string_view relation,
                  std::string_view component) {
    if (rule.kind != kind) return false;
    if (std::find(rule.relations.begin(), rule.relations.end(), relation) == rule.relations.end())
        return false;
    if (rule.components.empty()) return true;
    return std::any_of(rule.components.begin(), rule.components.end(),
                       [&](const std::string& g) { return glob_match(g, component); });
}

}  // namespace lineage::audit
