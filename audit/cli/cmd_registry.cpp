// `lineage registry add|list|show|remove REGISTRY.h5 ...`: maintains a fingerprint registry
// (audit/registry/registry_file.h). Every change writes a new file and renames it into place, so
// an audit reading the registry meanwhile sees the old or the new one, never half of either.
//   add REGISTRY FILE.h5 [--name NAME] [--replace]   copy the fingerprint(s) of FILE in
//   list REGISTRY                                    one line per entry
//   show REGISTRY NAME                               an entry's record
//   remove REGISTRY NAME                             drop an entry
// Exit codes: 0 ok; 2 usage (name clash, no such entry); 3 unreadable or damaged file; 4 a layout
// newer than this version reads.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>

#include "audit/registry/registry_file.h"

namespace lineage::cli {
namespace {

namespace reg = audit::registry;

struct RegistryCliOptions {
    std::string registry, source, name;
    bool replace = false;
};

std::string human_bytes(std::int64_t n) {
    char buf[32];
    if (n >= (1LL << 30)) std::snprintf(buf, sizeof buf, "%.2f GiB", n / double(1LL << 30));
    else if (n >= (1LL << 20)) std::snprintf(buf, sizeof buf, "%.2f MiB", n / double(1LL << 20));
    else std::snprintf(buf, sizeof buf, "%.1f KiB", n / 1024.0);
    return buf;
}

double share_of_bf16(const reg::EntryInfo& e) {
    return e.parameters > 0 ? 100.0 * static_cast<double>(e.stored_bytes) / (2.0 * e.parameters) : 0.0;
}

int run_add(const RegistryCliOptions& o) {
    for (const auto& n : reg::add_entries(o.registry, o.source, o.name, o.replace))
        std::printf("added '%s' to %s\n", n.c_str(), o.registry.c_str());
    return 0;
}

int run_list(const RegistryCliOptions& o) {
    const auto entries = reg::list_entries(o.registry);
    std::printf("%-28s %-24s %14s %10s %7s  %s\n", "name", "architecture", "parameters", "stored",
                "of bf16", "source digest");
    for (const auto& e : entries)
        std::printf("%-28s %-24s %14lld %10s %6.2f%%  %.23s...\n", e.name.c_str(),
                    e.architecture.c_str(), static_cast<long long>(e.parameters),
                    human_bytes(e.stored_bytes).c_str(), share_of_bf16(e), e.source_digest.c_str());
    std::printf("%zu entr%s\n", entries.size(), entries.size() == 1 ? "y" : "ies");
    return 0;
}

int run_show(const RegistryCliOptions& o) {
    const auto fp = reg::read_entry(o.registry, o.name);  // full read: verifies the payload digest
    reg::EntryInfo info;
    for (const auto& e : reg::list_entries(o.registry))
        if (e.name == o.name) info = e;
    std::printf("entry          %s\n", fp.name.c_str());
    std::printf("source         %s\n", fp.source_path.c_str());
    std::printf("source digest  %s\n", fp.source_digest.c_str());
    std::printf("made by        lineage %s at %s\n", fp.tool_version.c_str(), fp.created_at.c_str());
    std::printf("architecture   %s, %lld parameters, hidden %lld\n", fp.architecture.c_str(),
                static_cast<long long>(fp.parameters), static_cast<long long>(fp.hidden_size));
    std::printf("sketch         %lld dims (projection seed %llu), %zu anchor tokens\n",
                static_cast<long long>(fp.sketch_dims),
                static_cast<unsigned long long>(fp.projection_seed), fp.anchor_ids.size());
    std::printf("tensors        %zu sketched, %zu left out\n", fp.tensors.size(), fp.not_sketched.size());
    if (fp.activations)
        std::printf("activations    signature on %zu corpus points, %lld hidden layers (layout %lld)\n",
                    fp.activations->points.size(), static_cast<long long>(fp.activations->layers + 1),
                    static_cast<long long>(info.layout_version));
    else
        std::printf("activations    none (layout %lld)\n", static_cast<long long>(info.layout_version));
    for (const auto& s : fp.not_sketched) std::printf("  left out     %s\n", s.c_str());
    std::string files;
    for (const auto& [n, b] : fp.files) files += (files.empty() ? "" : ", ") + n;
    std::printf("files          %s\n", files.empty() ? "(none)" : files.c_str());
    std::printf("stored         %s (%.2f%% of the model's bf16 size); payload digest verified\n",
                human_bytes(info.stored_bytes).c_str(), share_of_bf16(info));
    return 0;
}

int run_remove(const RegistryCliOptions& o) {
    reg::remove_entry(o.registry, o.name);
    std::printf("removed '%s' from %s\n", o.name.c_str(), o.registry.c_str());
    return 0;
}

}  // namespace

std::function<int()> setup_registry(CLI::App& sub) {
    auto o = std::make_shared<RegistryCliOptions>();
    sub.require_subcommand(1);
    auto* add = sub.add_subcommand("add", "Copy the fingerprint(s) of FILE into REGISTRY (created if missing)");
    add->add_option("REGISTRY", o->registry, "The registry (HDF5)")->required();
    add->add_option("FILE", o->source, "A fingerprint file or another registry")->required()->check(CLI::ExistingFile);
    add->add_option("--name", o->name, "Store a one-entry FILE under this name");
    add->add_flag("--replace", o->replace, "Replace an entry of the same name");
    auto* list = sub.add_subcommand("list", "List the entries");
    list->add_option("REGISTRY", o->registry, "The registry (HDF5)")->required()->check(CLI::ExistingFile);
    auto* show = sub.add_subcommand("show", "Show one entry (verifies its payload digest)");
    show->add_option("REGISTRY", o->registry, "The registry (HDF5)")->required()->check(CLI::ExistingFile);
    show->add_option("NAME", o->name, "Entry name")->required();
    auto* remove = sub.add_subcommand("remove", "Remove one entry");
    remove->add_option("REGISTRY", o->registry, "The registry (HDF5)")->required()->check(CLI::ExistingFile);
    remove->add_option("NAME", o->name, "Entry name")->required();
    sub.footer("Every change writes a new file and renames it into place. Layout: audit/registry/LAYOUT.md.\n"
               "Exit codes: 0 ok, 2 usage (name clash, no such entry), 3 unreadable or damaged file,\n"
               "4 a layout newer than this version reads.\n");
    return [o, add, list, show, remove]() -> int {
        if (add->parsed()) return run_add(*o);
        if (list->parsed()) return run_list(*o);
        if (show->parsed()) return run_show(*o);
        if (remove->parsed()) return run_remove(*o);
        return 2;
    };
}

}  // namespace lineage::cli
