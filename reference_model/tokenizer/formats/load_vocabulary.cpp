// Format detection and loading of a Vocabulary (see load_vocabulary.h). The table kFormats holds
// one row per file format: how to recognise its first bytes and how to read it.
#include "reference_model/tokenizer/formats/load_vocabulary.h"

#include <array>
#include <fstream>
#include <string>

#include "reference_model/tokenizer/formats/gguf_vocabulary.h"
#include "reference_model/tokenizer/formats/vocabulary_readers.h"
#include "weights/core/error.h"

namespace lineage::model {

namespace fs = std::filesystem;

namespace {

std::string read_head(const fs::path& path, std::size_t n) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(path.string(), "cannot open file");
    std::string head(n, '\0');
    in.read(head.data(), static_cast<std::streamsize>(n));
    head.resize(static_cast<std::size_t>(in.gcount()));
    return head;
}

std::string_view skip_space(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\r' || s.front() == '\t' ||
                          s.front() == '\xEF' || s.front() == '\xBB' || s.front() == '\xBF'))
        s.remove_prefix(1);
    return s;
}

bool is_json(std::string_view head) { return skip_space(head).starts_with("{"); }

// tekken.json has top-level "config" and a "vocab" list; tokenizer.json has "model".
bool sniff_tekken(const fs::path& path, std::string_view head) {
    if (!is_json(head)) return false;
    return path.filename() == "tekken.json" ||
           (head.find("\"token_bytes\"") != std::string_view::npos && head.find("\"model\"") == std::string_view::npos);
}
bool sniff_tokenizer_json(const fs::path&, std::string_view head) { return is_json(head); }
bool sniff_gguf(const fs::path&, std::string_view head) { return head.starts_with("GGUF"); }
bool sniff_tiktoken(const fs::path&, std::string_view head) { return looks_like_tiktoken(head.substr(0, head.find('\n'))); }
// A protobuf ModelProto starts with field 1 (pieces), wire type 2: key byte 0x0A.
bool sniff_sentencepiece(const fs::path&, std::string_view head) { return !head.empty() && head[0] == '\x0A'; }

LoadedVocabulary read_tokenizer_json(const fs::path& p) {
    LoadedVocabulary out;
    out.json = TokenizerJson::load(p);
    out.vocab = vocabulary_from_tokenizer_json(*out.json);
    return out;
}
LoadedVocabulary read_tekken(const fs::path& p) { return {vocabulary_from_tekken(TekkenModel::load(p)), {}, {}}; }
LoadedVocabulary read_tiktoken(const fs::path& p) { return {vocabulary_from_tiktoken(TiktokenRanks::load(p)), {}, {}}; }
LoadedVocabulary read_sentencepiece(const fs::path& p) {
    return {vocabulary_from_sentencepiece(SentencePieceModel::load(p)), {}, {}};
}
LoadedVocabulary read_gguf(const fs::path& p) { return {vocabulary_from_gguf(p), {}, {}}; }

struct FormatRow {
    VocabFormat format;
    bool (*sniff)(const fs::path&, std::string_view head);
    LoadedVocabulary (*read)(const fs::path&);
};

// Order matters: tekken before tokenizer.json (both JSON), tiktoken before SentencePiece.
constexpr std::array<FormatRow, 5> kFormats{{
    {VocabFormat::gguf, sniff_gguf, read_gguf},
    {VocabFormat::tekken, sniff_tekken, read_tekken},
    {VocabFormat::tokenizer_json, sniff_tokenizer_json, read_tokenizer_json},
    {VocabFormat::tiktoken, sniff_tiktoken, read_tiktoken},
    {VocabFormat::sentencepiece, sniff_sentencepiece, read_sentencepiece},
}};

// Files a model folder may hold, most informative first.
constexpr std::array<const char*, 3> kFolderFiles{"tokenizer.json", "tekken.json", "tokenizer.model"};

}  // namespace

fs::path resolve_tokenizer_file(const fs::path& path) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
        for (const char* name : kFolderFiles)
            if (fs::is_regular_file(path / name, ec)) return path / name;
        throw InputError(path.string(), "no tokenizer file found (looked for tokenizer.json, tekken.json, tokenizer.model)");
    }
    if (!fs::exists(path, ec)) throw InputError(path.string(), "no such file or folder");
    if (!fs::is_regular_file(path, ec)) throw InputError(path.string(), "not a regular file");
    return path;
}

std::optional<VocabFormat> detect_tokenizer_format(const fs::path& file) {
    std::string head = read_head(file, 4096);
    if (head.empty()) throw InputError(file.string(), "empty file");
    for (const FormatRow& row : kFormats)
        if (row.sniff(file, head)) return row.format;
    return std::nullopt;
}

Vocabulary load_vocabulary(const fs::path& path) { return load_vocabulary_with_sources(path).vocab; }

LoadedVocabulary load_vocabulary_with_sources(const fs::path& path) {
    fs::path file = resolve_tokenizer_file(path);
    std::string head = read_head(file, 4096);
    if (head.empty()) throw InputError(file.string(), "empty file");
    for (const FormatRow& row : kFormats) {
        if (!row.sniff(file, head)) continue;
        LoadedVocabulary loaded = row.read(file);
        Vocabulary& v = loaded.vocab;
        v.source_path = file.string();
        v.sha256 = file_sha256(file.string());
        bool any = false;
        for (TokenKind k : v.kind_by_id) any = any || Vocabulary::comparable(k);
        if (!any) throw InputError(file.string(), "vocabulary holds no ordinary tokens (empty vocabulary)");
        std::error_code ec;
        fs::path config = file.parent_path() / "tokenizer_config.json";
        if (fs::is_regular_file(config, ec)) {
            loaded.config = TokenizerConfig::load(config);
            apply_tokenizer_config(v, *loaded.config);
        }
        return loaded;
    }
    throw UnsupportedError(file.string(), "not a recognised tokenizer format (expected tokenizer.json, tekken.json, "
                                          "a SentencePiece model or a tiktoken rank file)");
}

}  // namespace lineage::model
