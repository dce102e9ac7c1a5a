// `lineage run MODEL (--prompt TEXT | --ids 1,2,3) [--max-new-tokens N] [--device auto|cpu|cuda]
// [--dump-hidden FILE.h5]`: greedy generation with the reference transformer. Prints the prompt's
// ids, the generated ids (and text when a tokenizer is present), prefill and decode tokens/s.
// --dump-hidden writes the prompt's ids, every layer's hidden states, the final norm's output and
// the logits to HDF5 (layout in reference_model/io/hidden_state_file.h).
// Exit codes: 0 ok; 2 usage; 3 bad input (ids out of range, prompt longer than the context,
// config/tensor mismatch, missing tokenizer for --prompt); 4 unsupported architecture; 5 device.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "reference_model/backend/backend.h"
#include "reference_model/io/hidden_state_file.h"
#include "reference_model/model/transformer.h"
#include "reference_model/tokenizer/tokenizer.h"
#include "weights/checkpoint.h"
#include "weights/core/error.h"

namespace lineage::cli {
namespace {

struct RunOptions {
    std::string model;
    std::string prompt;
    std::string ids;
    std::int64_t max_new_tokens = 20;
    std::string device = "auto";
    std::string dump_hidden;
};

// "1, 2,3" -> {1, 2, 3}; UsageError for anything else.
std::vector<std::int32_t> parse_ids(const std::string& text) {
    std::vector<std::int32_t> ids;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && (text[i] == ' ' || text[i] == ',')) ++i;
        if (i == text.size()) break;
        std::size_t end = i;
        if (text[end] == '-') ++end;
        while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
        const std::string token = text.substr(i, end - i);
        if (token.empty() || token == "-" || (end < text.size() && text[end] != ',' && text[end] != ' '))
            throw UsageError("--ids: expected comma-separated integers, got '" + text + "'");
        long long v = 0;
        try {
            v = std::stoll(token);
        } catch (const std::exception&) {
            throw UsageError("--ids: '" + token + "' is not a 32-bit integer");
        }
        if (v < INT32_MIN || v > INT32_MAX) throw UsageError("--ids: '" + token + "' is not a 32-bit integer");
        ids.push_back(static_cast<std::int32_t>(v));
        i = end;
    }
    if (ids.empty()) throw UsageError("--ids: no token ids given");
    return ids;
}

std::string join(const std::vector<std::int32_t>& ids) {
    std::string s;
    for (std::size_t i = 0; i < ids.size(); ++i) s += (i ? "," : "") + std::to_string(ids[i]);
    return s;
}

int run_run(const RunOptions& opt) {
    if (opt.prompt.empty() == opt.ids.empty())
        throw UsageError("run: give exactly one of --prompt TEXT or --ids 1,2,3");
    auto backend = model::make_backend(opt.device);
    auto checkpoint = weights::Checkpoint::open(opt.model);
    model::Transformer transformer(checkpoint, *backend);

    std::unique_ptr<model::Tokenizer> tokenizer;
    if (checkpoint.sibling("tokenizer.json") || checkpoint.sibling("tokenizer.model"))
        tokenizer = std::make_unique<model::Tokenizer>(model::Tokenizer::load(checkpoint.root()));
    std::vector<std::int32_t> ids;
    if (!opt.prompt.empty()) {
        if (!tokenizer)
            throw InputError(checkpoint.root().string(),
                             "no tokenizer.json or tokenizer.model next to the weights: --prompt needs one (use --ids to run token ids)");
        ids = tokenizer->encode(opt.prompt);
    } else {
        ids = parse_ids(opt.ids);
    }
    transformer.check_ids(ids, opt.max_new_tokens);

    std::printf("model: %s (%s, %lld layers, hidden %lld, vocab %lld)\n", checkpoint.source().c_str(),
                std::string(transformer.architecture().name).c_str(), static_cast<long long>(transformer.dims().layers),
                static_cast<long long>(transformer.dims().hidden), static_cast<long long>(transformer.dims().vocab));
    std::printf("device: %s\n", backend->description().c_str());
    std::printf("prompt ids (%zu): %s\n", ids.size(), join(ids).c_str());

    if (!opt.dump_hidden.empty()) {
        model::HiddenStateRecord record;
        record.model = checkpoint.source();
        record.architecture = std::string(transformer.architecture().name);
        record.ids = ids;
        record.hidden_size = transformer.dims().hidden;
        record.vocab_size = transformer.dims().vocab;
        record.hidden.resize(static_cast<std::size_t>(transformer.dims().layers + 1));
        model::ForwardOptions fo;
        fo.capture_all_layers = true;
        fo.capture_final_norm_output = true;
        fo.logits = model::LogitsMode::all;
        fo.on_capture = [&](const model::Captured& c) {
            auto s = c.values.span_f32();
            if (c.point == model::CapturePoint::hidden) record.hidden[static_cast<std::size_t>(c.layer)].assign(s.begin(), s.end());
            if (c.point == model::CapturePoint::final_norm_output) record.final_norm.assign(s.begin(), s.end());
            if (c.point == model::CapturePoint::logits) record.logits.assign(s.begin(), s.end());
        };
        std::vector<std::vector<std::int32_t>> batch{ids};
        transformer.forward(batch, fo);
        model::write_hidden_states_hdf5(opt.dump_hidden, record);
        std::printf("hidden states: %s (%zu layers + embeddings, %zu tokens)\n", opt.dump_hidden.c_str(),
                    record.hidden.size() - 1, ids.size());
    }

    model::GenerationStats stats;
    std::vector<std::int32_t> generated = transformer.generate_greedy(ids, opt.max_new_tokens, nullptr, &stats);
    std::printf("generated ids (%zu): %s\n", generated.size(), join(generated).c_str());
    if (tokenizer) std::printf("generated text: %s\n", tokenizer->decode(generated).c_str());
    const double prefill_tps = stats.prefill_seconds > 0 ? static_cast<double>(stats.prompt_tokens) / stats.prefill_seconds : 0;
    const double decode_tps = stats.decode_seconds > 0 && stats.new_tokens > 1
                                  ? static_cast<double>(stats.new_tokens - 1) / stats.decode_seconds : 0;
    std::printf("weights load: %.3f s; prefill: %lld tokens in %.3f s (%.1f tokens/s); decode: %lld tokens in %.3f s (%.1f tokens/s)\n",
                stats.load_seconds, static_cast<long long>(stats.prompt_tokens), stats.prefill_seconds, prefill_tps,
                static_cast<long long>(stats.new_tokens > 0 ? stats.new_tokens - 1 : 0), stats.decode_seconds, decode_tps);
    return 0;
}

}  // namespace

std::function<int()> setup_run(CLI::App& sub) {
    auto opt = std::make_shared<RunOptions>();
    sub.add_option("MODEL", opt->model, "Checkpoint folder, .safetensors file, or ORG/NAME in the HF cache")->required();
    auto* prompt = sub.add_option("--prompt", opt->prompt, "Text to encode with the model's tokenizer (tokenizer.json or tokenizer.model)");
    auto* ids = sub.add_option("--ids", opt->ids, "Comma-separated token ids (no tokenizer needed)");
    prompt->excludes(ids);
    sub.add_option("--max-new-tokens", opt->max_new_tokens, "Greedy tokens to generate (default 20)")
        ->check(CLI::NonNegativeNumber);
    sub.add_option("--device", opt->device, "auto (CUDA if present, else CPU), cpu or cuda")
        ->check(CLI::IsMember({"auto", "cpu", "cuda"}));
    sub.add_option("--dump-hidden", opt->dump_hidden,
                   "Write the prompt's ids, hidden states of every layer and logits to this HDF5 file");
    return [opt] { return run_run(*opt); };
}

}  // namespace lineage::cli
