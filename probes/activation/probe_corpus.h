// The texts the activation probe runs both models on: the bundled multilingual corpus (English and
// Korean prose, code, numbers; probe_corpus_text.cpp, generated from corpus/probe_corpus.txt) or a
// user's file given with --corpus (one text per line, UTF-8). Each corpus carries a name and the
// sha256 of its text so reports can say exactly what was probed.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace lineage::probes::activation {

struct ProbeCorpus {
    std::string name;    // "bundled" or the file path
    std::string sha256;  // hex digest of the texts joined by '\n'
    std::vector<std::string> texts;
};

// The bundled corpus text, one text per line (generated file).
std::string_view bundled_corpus_text();

ProbeCorpus bundled_corpus();

// Limits on a user's corpus file (a probe needs hundreds of texts, not millions).
inline constexpr std::size_t kMaxCorpusBytes = 64u << 20;
inline constexpr std::size_t kMaxCorpusTexts = 100000;

// One text per line; '\r' before '\n' is dropped, blank lines are skipped. Throws InputError
// naming the file (and line) when it cannot be read, is not valid UTF-8, exceeds the limits above
// or holds no text.
ProbeCorpus load_corpus_file(const std::string& path);

// Splits text into non-blank lines (the parsing load_corpus_file applies after its checks).
std::vector<std::string> split_texts(std::string_view text);

}  // namespace lineage::probes::activation
