// The real published tokenizers of /work/shared/testdata/tokenizers (MANIFEST.md there), named by
// the sha256 the manifest records. Tests identify files by content: a file whose hash differs is
// skipped with a message, never trusted by its folder name.
#pragma once

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "reference_model/tokenizer/formats/vocabulary.h"

namespace lineage::testdata {

struct RealTokenizer {
    const char* name;
    const char* file;  // relative to the tokenizers folder
    const char* sha256;
};

inline constexpr RealTokenizer kCl100k{"cl100k", "cl100k/tokenizer.json",
                                       "1542d2ebccd8b9f7293d41f21b84b6dbc00780e467e5025b6b311f3aa97b3a20"};
inline constexpr RealTokenizer kLlama3{"llama3", "llama3/tokenizer.json",
                                       "c05a3c2174e9edd5be19dc5a0748c42a9037bec2811ce062728bfd71f8702d78"};
inline constexpr RealTokenizer kLlama3Tiktoken{"llama3_tiktoken", "llama3_tiktoken/tokenizer.model",
                                               "82e9d31979e92ab929cd544440f129d9ecd797b69e327f80f17e1c50d5551b55"};
inline constexpr RealTokenizer kQwen3{"qwen3", "qwen3/tokenizer.json",
                                      "aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4"};
inline constexpr RealTokenizer kDeepseekV3{"deepseek_v3", "deepseek_v3/tokenizer.json",
                                           "621ac2e32d0dba658404412318818aaa8ce8cda492e59830109d8da6b517fb41"};
inline constexpr RealTokenizer kMistralV1{"mistral_v1", "mistral_v1/tokenizer.model",
                                          "dadfd56d766715c61d2ef780a525ab43b8e6da4de6865bda3d95fdef5e134055"};
inline constexpr RealTokenizer kMistralV3{"mistral_v3", "mistral_v3/tokenizer.model",
                                          "9addc8bdce5988448ae81b729336f43a81262160ae8da760674badab9d4c7d33"};

// The file's path when it exists with the recorded hash; "" (with a doctest message) otherwise.
inline std::string real_tokenizer(const RealTokenizer& t) {
    std::filesystem::path p = std::filesystem::path(LINEAGE_SHARED_TESTDATA) / "tokenizers" / t.file;
    if (!std::filesystem::exists(p)) {
        MESSAGE("skipping: " << p.string() << " is missing");
        return "";
    }
    if (model::file_sha256(p.string()) != t.sha256) {
        MESSAGE("skipping: " << p.string() << " does not have the sha256 MANIFEST.md records for " << t.name);
        return "";
    }
    return p.string();
}

}  // namespace lineage::testdata
