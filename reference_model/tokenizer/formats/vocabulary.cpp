// Small pieces of the Vocabulary type: names, counts, content digests, chat-template families.
#include "reference_model/tokenizer/formats/vocabulary.h"

#include <span>

#include "weights/digest.h"

namespace lineage::model {

std::string_view vocab_format_name(VocabFormat format) {
    switch (format) {
        case VocabFormat::tokenizer_json: return "tokenizer.json";
        case VocabFormat::sentencepiece: return "sentencepiece";
        case VocabFormat::tiktoken: return "tiktoken";
        case VocabFormat::tekken: return "tekken";
        case VocabFormat::gguf: return "gguf";
    }
    return "unknown";
}

std::string_view token_kind_name(TokenKind kind) {
    switch (kind) {
        case TokenKind::absent: return "absent";
        case TokenKind::normal: return "normal";
        case TokenKind::byte: return "byte";
        case TokenKind::control: return "control";
        case TokenKind::unused: return "unused";
        case TokenKind::added: return "added";
    }
    return "unknown";
}

std::size_t Vocabulary::comparable_count() const {
    std::size_t n = 0;
    for (TokenKind k : kind_by_id) n += comparable(k);
    return n;
}

std::string bytes_sha256(std::string_view bytes) {
    return weights::sha256_hex(std::as_bytes(std::span<const char>(bytes.data(), bytes.size())));
}

std::string file_sha256(const std::string& path) { return weights::sha256_file(path); }

std::string chat_template_family(std::string_view t) {
    if (t.empty()) return "";
    // Most specific markers first: several templates also contain generic ones.
    struct Marker {
        const char* text;
        const char* family;
    };
    static constexpr Marker kMarkers[] = {
        {"<|start_header_id|>", "llama3"},
        {"<|im_start|>", "chatml"},
        {"<\xEF\xBD\x9C" "User\xEF\xBD\x9C>", "deepseek"},  // <｜User｜>
        {"<start_of_turn>", "gemma"},
        {"[INST]", "mistral-inst"},
        {"<|user|>", "phi-zephyr"},
        {"<|START_OF_TURN_TOKEN|>", "cohere"},
        {"### Instruction", "alpaca"},
    };
    for (const Marker& m : kMarkers)
        if (t.find(m.text) != std::string_view::npos) return m.family;
    return "other";
}

}  // namespace lineage::model
