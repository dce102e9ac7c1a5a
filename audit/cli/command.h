// A subcommand of the `lineage` executable. Each one lives in its own file (cmd_<name>.cpp) with an
// options struct, a setup function that declares its flags on a CLI11 subcommand, and a run
// function. The run function returns the process exit code; errors are thrown, never caught here.
#pragma once

#include <functional>
#include <span>
#include <string>

namespace CLI {
class App;
}

namespace lineage::cli {

struct Command {
    const char* name;
    const char* summary;
    // Declares flags on `sub`; returns the action to run once parsing succeeded.
    std::function<std::function<int()>(CLI::App& sub)> setup;
};

// Every subcommand, in the order `lineage --help` lists them (commands.cpp).
std::span<const Command> all_commands();

}  // namespace lineage::cli
