// Encoding the probe text and hashing the ids (see behaviour_hash.h).
#include "probes/tokenizer/behaviour_hash.h"

#include <cstdint>
#include <vector>

#include "reference_model/tokenizer/tokenizer.h"
#include "weights/core/error.h"

namespace lineage::probes {

std::string_view behaviour_probe_text() {
    return "Hello world! It's 2024-06-01; we'll pay $1,234.56 (≈€1.1k).\n"
           "   indented  \t tabs\n\n\nnewlines   \n"
           "naïve café résumé Ünïcödé CAPS camelCase snake_case kebab-case\n"
           "한국어 토크나이저 테스트입니다. 中文分词测试，标点符号。日本語のテキスト。\n"
           "emoji 🙂👍🏽 🇰🇷 → ∑ ∞ ≠\n"
           "def f(x):\n    return x**2 + 0x1F  # comment\n"
           "numbers 7 42 123 4567 89012 3.14159 1e-9\n";
}

BehaviourHash behaviour_hash(model::LoadedVocabulary& loaded) {
    BehaviourHash out;
    const model::VocabFormat format = loaded.vocab.format;
    const bool model_file = format == model::VocabFormat::sentencepiece || format == model::VocabFormat::tiktoken;
    if (!loaded.json && !model_file) {
        out.note = "no behaviour hash: Lineage encodes tokenizer.json, SentencePiece BPE and tiktoken files only (" +
                   std::string(model::vocab_format_name(format)) + " files lack the pre-tokenizer needed to encode)";
        return out;
    }
    try {
        // tokenizer.json: the parsed file is taken over; tokenizer.model files are read again by
        // the encoder (SentencePiece BPE or tiktoken, see reference_model/tokenizer/tokenizer.h).
        model::Tokenizer tokenizer = loaded.json ? model::Tokenizer(std::move(*loaded.json), loaded.config)
                                                 : model::Tokenizer::load(loaded.vocab.source_path);
        loaded.json.reset();
        std::vector<std::int32_t> ids = tokenizer.encode(behaviour_probe_text(), /*add_special_tokens=*/false);
        std::string bytes;
        bytes.reserve(ids.size() * 4);
        for (std::int32_t id : ids)
            for (int k = 0; k < 4; ++k) bytes.push_back(static_cast<char>((static_cast<std::uint32_t>(id) >> (8 * k)) & 0xFF));
        out.hash = model::bytes_sha256(bytes).substr(0, 16);
    } catch (const UnsupportedError& e) {
        out.note = std::string("no behaviour hash: ") + e.what();
    }
    return out;
}

}  // namespace lineage::probes
