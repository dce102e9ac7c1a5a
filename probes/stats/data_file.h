// Where a probe's shipped data file (a verdict rule, null ranges) lives: next to the source file
// that reads it. __FILE__ is absolute in CMake builds, so a binary run from its build tree reads the
// reviewed file; a binary moved elsewhere falls back to the compiled-in defaults, which tests keep
// equal to the files.
#pragma once

#include <filesystem>
#include <string>
#include <system_error>

namespace lineage::probes::stats {

// `source_file` is the caller's __FILE__; "" when no such file exists beside it.
inline std::string data_file_beside(const char* source_file, const char* name) {
    const std::filesystem::path p = std::filesystem::path(source_file).parent_path() / name;
    std::error_code ec;
    return std::filesystem::exists(p, ec) ? p.string() : std::string();
}

}  // namespace lineage::probes::stats
