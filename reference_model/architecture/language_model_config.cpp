// text_config merged under the wrapper's top level (see language_model_config.h).
#include "reference_model/architecture/language_model_config.h"

namespace lineage::model {

weights::ModelConfig language_model_config(const weights::ModelConfig& config) {
    weights::ModelConfig lm = config;
    const JsonValue* text = config.raw.find("text_config");
    if (!text || !text->is_object() || !config.raw.is_object()) return lm;
    JsonValue merged = *text;  // the language model's fields win
    for (const auto& [key, value] : config.raw.as_object())
        if (!merged.find(key)) merged.set(key, value);
    lm.raw = std::move(merged);
    return lm;
}

}  // namespace lineage::model
