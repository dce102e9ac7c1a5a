// The files a fingerprint carries verbatim (config.json, tokenizer files), written into a private
// temporary folder for the readers that take a model folder (the tokenizer probe, ModelConfig).
// The folder is removed when the object goes away.
#pragma once

#include <filesystem>
#include <optional>

#include "probes/fingerprint/fingerprint.h"
#include "weights/model_config.h"

namespace lineage::probes::fingerprint {

class FingerprintFiles {
public:
    // Throws InputError when the temporary folder cannot be made or written.
    explicit FingerprintFiles(const Fingerprint& fp);
    ~FingerprintFiles();
    FingerprintFiles(const FingerprintFiles&) = delete;
    FingerprintFiles& operator=(const FingerprintFiles&) = delete;

    const std::filesystem::path& dir() const { return dir_; }
    bool has_tokenizer() const;
    // config.json parsed, when the fingerprint carries one.
    const std::optional<lineage::weights::ModelConfig>& config() const { return config_; }

private:
    std::filesystem::path dir_;
    std::optional<lineage::weights::ModelConfig> config_;
};

}  // namespace lineage::probes::fingerprint
