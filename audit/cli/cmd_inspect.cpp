// `lineage inspect PATH`: placeholder until the checkpoint reader lands (issue 2).
#include <CLI/CLI.hpp>
#include "weights/core/error.h"
namespace lineage::cli {
std::function<int()> setup_inspect(CLI::App& sub) {
    auto path = std::make_shared<std::string>();
    sub.add_option("path", *path, "checkpoint")->required();
    return [path] () -> int { throw UnsupportedError(*path, "inspect not implemented yet"); };
}
}  // namespace lineage::cli
