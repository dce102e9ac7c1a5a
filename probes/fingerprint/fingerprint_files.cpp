// Materialising a fingerprint's files (see fingerprint_files.h).
#include "probes/fingerprint/fingerprint_files.h"

#include <cstdlib>
#include <fstream>
#include <string>

#include "weights/core/error.h"

namespace lineage::probes::fingerprint {

FingerprintFiles::FingerprintFiles(const Fingerprint& fp) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "lineage-fingerprint-XXXXXX").string();
    if (!::mkdtemp(tmpl.data()))
        throw InputError(tmpl, "cannot create a temporary folder for the fingerprint's files");
    dir_ = tmpl;
    for (const auto& [name, bytes] : fp.files) {
        if (name.find('/') != std::string::npos || name.empty() || name[0] == '.')
            throw InputError(fp.name, "fingerprint file name '" + name + "' is not a plain file name");
        std::ofstream out(dir_ / name, std::ios::binary);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        if (!out) throw InputError((dir_ / name).string(), "cannot write the fingerprint's file");
    }
    if (std::filesystem::exists(dir_ / "config.json"))
        config_ = lineage::weights::ModelConfig::load(dir_ / "config.json");
}

FingerprintFiles::~FingerprintFiles() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

bool FingerprintFiles::has_tokenizer() const {
    for (const char* f : {"tokenizer.json", "tokenizer.model", "tekken.json"})
        if (std::filesystem::exists(dir_ / f)) return true;
    return false;
}

}  // namespace lineage::probes::fingerprint
