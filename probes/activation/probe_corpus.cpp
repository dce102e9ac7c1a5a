// Loading probe corpora (see probe_corpus.h).
#include "probes/activation/probe_corpus.h"

#include <filesystem>
#include <fstream>
#include <iterator>

#include "reference_model/tokenizer/formats/vocabulary.h"
#include "reference_model/tokenizer/utf8.h"
#include "weights/core/error.h"

namespace lineage::probes::activation {
namespace {

bool is_blank(std::string_view line) {
    return line.find_first_not_of(" \t\r\f\v") == std::string_view::npos;
}

std::string digest_of(const std::vector<std::string>& texts) {
    std::string joined;
    for (const auto& t : texts) {
        joined += t;
        joined += '\n';
    }
    return model::bytes_sha256(joined);
}

}  // namespace

std::vector<std::string> split_texts(std::string_view text) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(pos, end - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (!is_blank(line)) out.emplace_back(line);
        pos = end + 1;
    }
    return out;
}

ProbeCorpus bundled_corpus() {
    ProbeCorpus c;
    c.name = "bundled";
    c.texts = split_texts(bundled_corpus_text());
    c.sha256 = digest_of(c.texts);
    return c;
}

ProbeCorpus load_corpus_file(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) throw InputError(path, "corpus file not found (or not a regular file)");
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) throw InputError(path, "cannot read the corpus file's size");
    if (size > kMaxCorpusBytes)
        throw InputError(path, "corpus file is " + std::to_string(size) + " bytes; the limit is " +
                                   std::to_string(kMaxCorpusBytes) + " (a probe needs hundreds of short texts)");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(path, "cannot open the corpus file");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Validate line by line so the message can name the line.
    std::size_t line_no = 1, pos = 0;
    while (pos <= text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        if (!model::utf8::is_valid(std::string_view(text).substr(pos, end - pos)))
            throw InputError(path, "line " + std::to_string(line_no) + ": not valid UTF-8");
        if (text.find('\0', pos) < end)
            throw InputError(path, "line " + std::to_string(line_no) + ": contains a NUL byte (not a text file?)");
        pos = end + 1;
        ++line_no;
    }
    ProbeCorpus c;
    c.name = path;
    c.texts = split_texts(text);
    if (c.texts.empty()) throw InputError(path, "corpus file holds no text (expected one text per line)");
    if (c.texts.size() > kMaxCorpusTexts)
        throw InputError(path, "corpus file holds " + std::to_string(c.texts.size()) + " texts; the limit is " +
                                   std::to_string(kMaxCorpusTexts));
    c.sha256 = digest_of(c.texts);
    return c;
}

}  // namespace lineage::probes::activation
