// The language model's own config.json fields, for vision-language wrappers. A wrapper
// (Gemma3ForConditionalGeneration, HyperCLOVAX Vision) keeps the language model's description in
// text_config; weights::ModelConfig surfaces its typed sizes at the top, but fields read from
// `raw` (layer_types, sliding_window, rope_parameters per layer type, mlp_bias, ...) would still
// be looked up at the top level, where the wrapper has none. language_model_config() gives a copy
// whose `raw` is text_config with the wrapper's own top-level fields added where text_config does
// not have them (architectures, tie_word_embeddings, ...), so one lookup finds either. A config
// without text_config is returned unchanged.
#pragma once

#include "weights/model_config.h"

namespace lineage::model {

weights::ModelConfig language_model_config(const weights::ModelConfig& config);

}  // namespace lineage::model
