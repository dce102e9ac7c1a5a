// Where a probe's shipped data file (a verdict rule, null ranges) lives: next to the source file
// that reads it, in the source tree the binary was built from. A binary whose source tree is gone
// falls back to the compiled-in defaults, which tests keep equal to the files.
#pragma once

#include <filesystem>
#include <string>
#include <system_error>

namespace lineage::probes::stats {

// `source_file` is the caller's __FILE__; "" when no such file exists beside it. A relative
// __FILE__ (ccache with base_dir writes "../probes/x.cpp", relative to the build folder) is taken
// relative to the source root the build passes as LINEAGE_SOURCE_ROOT, after its leading "../"
// and "./" segments, so a binary finds the reviewed file whatever folder it is run from.
inline std::string data_file_beside(const char* source_file, const char* name) {
    std::filesystem::path src(source_file);
#ifdef LINEAGE_SOURCE_ROOT
    if (src.is_relative()) {
        std::filesystem::path rest;
        bool leading = true;
        for (const auto& part : src) {
            if (leading && (part == ".." || part == ".")) continue;
            leading = false;
            rest /= part;
        }
        src = std::filesystem::path(LINEAGE_SOURCE_ROOT) / rest;
    }
#endif
    const std::filesystem::path p = src.parent_path() / name;
    std::error_code ec;
    return std::filesystem::exists(p, ec) ? p.string() : std::string();
}

}  // namespace lineage::probes::stats
