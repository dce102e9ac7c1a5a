// Entry point of the `lineage` executable: builds the command line from the table of subcommands,
// runs the chosen one, and is the only place that catches errors, mapping each kind to its exit
// code with a one-line message on stderr.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <functional>
#include <new>

#include "audit/cli/command.h"
#include "lineage/build_info.h"
#include "weights/core/error.h"

namespace {

constexpr const char* kExitCodes =
    "Exit codes:\n"
    "  0   success (audit: pass; compare/probe: independent; chain: proven; batch run: all done)\n"
    "  1   finding (audit: fail under the policy; compare/probe: derived; chain: broken, origin\n"
    "      not independent or not bound; batch run: some item failed)\n"
    "  2   usage error\n"
    "  3   bad input (malformed, truncated or inconsistent file)\n"
    "  4   unsupported (architecture, dtype or format this version cannot handle)\n"
    "  5   device unavailable or failed\n"
    "  6   inconclusive (audit/compare/chain: the evidence decides neither way)\n"
    "  70  internal error (a bug: please report it)\n";

int run(int argc, char** argv) {
    CLI::App app{"Lineage: was this language model pretrained from scratch, or derived from another?"};
    app.set_version_flag("--version", std::string(lineage::build_info::version) + " (" +
                                          lineage::build_info::git_revision + ")");
    app.require_subcommand(1);
    app.footer(kExitCodes);

    std::function<int()> action;
    for (const auto& command : lineage::cli::all_commands()) {
        CLI::App* sub = app.add_subcommand(command.name, command.summary);
        auto act = command.setup(*sub);
        sub->callback([&action, act] { action = act; });
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);  // prints help / the parse error
        return code == 0 ? 0 : static_cast<int>(lineage::ExitCode::usage);
    }
    return action ? action() : 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const lineage::Error& e) {
        std::fprintf(stderr, "lineage: error: %s\n", e.what());
        return static_cast<int>(e.exit_code());
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "lineage: error: out of memory\n");
        return static_cast<int>(lineage::ExitCode::internal);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "lineage: internal error: %s\n", e.what());
        return static_cast<int>(lineage::ExitCode::internal);
    }
}
