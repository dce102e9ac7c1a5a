// The transformer's forward pass and greedy generation (see transformer.h). One block mirrors
// transformers' LlamaDecoderLayer, with the architecture row switching on what differs:
//   h = norm(x); q,k,v = h·Wq^T(+b), h·Wk^T(+b), h·Wv^T(+b)     [T, H·hd], [T, Hkv·hd] x2
//   (Qwen3) q,k = RMSNorm over each head's hd values
//   q,k = RoPE(q,k); a = attention(q, k, v)                      causal, GQA, optional window
//   x = x + a·Wo^T(+b)
//   x = x + down(act(gate(norm(x))) · up(norm(x)))
#include "reference_model/model/transformer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "reference_model/architecture/language_model_config.h"
#include "reference_model/architecture/layer_rope.h"
#include "reference_model/model/latent_attention.h"
#include "reference_model/model/moe_block.h"
#include "weights/core/error.h"

namespace lineage::model {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::int64_t positive(std::int64_t v, const char* field, const std::string& where) {
    if (v <= 0) throw InputError(where, std::string("config field ") + field + " must be positive (got " + std::to_string(v) + ")");
    return v;
}

}  // namespace

struct Transformer::Step {
    std::vector<SequenceSpan> spans;  // rows of this step's tokens, per sequence
    std::vector<std::int64_t> past;   // tokens already in the KV cache, per sequence
    std::int64_t tokens = 0;
    std::vector<Tensor> cos, sin;     // per RoPE (ropes_): [tokens, rotary_dim/2] on the backend
};

struct Transformer::KvCache {
    std::vector<Tensor> k, v;          // per layer [capacity, Hkv·hd]
    std::vector<std::int64_t> base;    // first row of each sequence
};

Transformer::Transformer(const weights::Checkpoint& checkpoint, Backend& backend)
    : checkpoint_(checkpoint), backend_(backend) {
    const std::string root = checkpoint.root().string();
    if (!checkpoint.config())
        throw InputError(root, "config.json not found (the reference transformer needs the model's configuration)");
    // Vision-language wrappers: the language model's fields live in text_config.
    const weights::ModelConfig c = language_model_config(*checkpoint.config());
    where_ = (checkpoint.root() / "config.json").string();
    if (c.architecture.empty())
        throw UnsupportedError(where_, "no 'architectures' entry (supported: " + supported_architecture_list() + ")");
    spec_ = &find_architecture(c.architecture, where_);

    dims_.hidden = positive(c.hidden_size, "hidden_size", where_);
    dims_.layers = positive(c.num_layers, "num_hidden_layers", where_);
    dims_.heads = positive(c.num_heads, "num_attention_heads", where_);
    dims_.kv_heads = positive(c.num_kv_heads, "num_key_value_heads", where_);
    dims_.head_dim = positive(c.head_dim, "head_dim", where_);
    dims_.intermediate = positive(c.intermediate_size, "intermediate_size", where_);
    dims_.vocab = positive(c.vocab_size, "vocab_size", where_);
    dims_.max_positions = positive(c.max_position_embeddings, "max_position_embeddings", where_);
    dims_.norm_eps = static_cast<float>(c.norm_eps);
    if (dims_.heads % dims_.kv_heads != 0)
        throw InputError(where_, "num_attention_heads " + std::to_string(dims_.heads) +
                                     " is not a multiple of num_key_value_heads " + std::to_string(dims_.kv_heads));
    activation_ = parse_activation(c.hidden_act, where_);
    rope_style_ = spec_->rope_style;
    qk_norm_ = spec_->qk_norm;
    std::int64_t rope_head_dim = dims_.head_dim;
    if (const MixtureSpec* m = find_mixture(c.architecture)) {
        mixture_ = resolve_mixture(*m, c, dims_.layers, where_);
        if (mixture_->qk_norm) qk_norm_ = *mixture_->qk_norm;
        if (mixture_->latent()) {  // heads of width nope + rope; keys and values per query head
            dims_.head_dim = mixture_->qk_head_dim();
            dims_.kv_heads = dims_.heads;
            rope_head_dim = mixture_->qk_rope_dim;
            rope_style_ = mixture_->rope_interleaved ? RopeStyle::interleaved : RopeStyle::neox;
        }
        const JsonValue* sw = c.raw.find("sliding_window");
        nope_full_layers_ = m->rope_on_sliding_only && sw && sw->is_number();
    }
    attention_scale_ = mixture_ && mixture_->latent() ? mixture_->attention_scale
                                                      : 1.0f / std::sqrt(static_cast<float>(dims_.head_dim));
    // Dense-family knobs beyond the row (family_traits.h): norm placement, muP, soft-capping, NoPE.
    traits_ = &family_traits(c);
    scalars_ = resolve_family_scalars(*traits_, c, dims_.head_dim, where_);
    if (scalars_.attention_scale > 0) attention_scale_ = scalars_.attention_scale;
    if (traits_->no_rope_on_full_layers) {
        const JsonValue* sw = c.raw.find("sliding_window");
        nope_full_layers_ = sw && sw->is_number();
    }

    // Sliding windows per block, from the architecture's rule.
    windows_.assign(static_cast<std::size_t>(dims_.layers), 0);
    const JsonValue* raw_window = c.raw.find("sliding_window");
    const std::int64_t window = raw_window && raw_window->is_number() ? raw_window->as_int() : 0;
    switch (spec_->sliding) {
        case SlidingRule::none: break;
        case SlidingRule::all_layers:
            if (c.sliding_window) std::fill(windows_.begin(), windows_.end(), *c.sliding_window);
            break;
        case SlidingRule::layer_types_or_pattern: {  // Gemma 3
            const std::vector<bool> sliding = sliding_layers_by_type_or_pattern(c, dims_.layers, where_);
            for (std::size_t i = 0; i < windows_.size(); ++i) {
                if (!sliding[i]) continue;
                if (window <= 0) throw InputError(where_, "sliding layers need a positive sliding_window");
                windows_[i] = window;
            }
            break;
        }
        case SlidingRule::layer_types: {
            const JsonValue* types = c.raw.find("layer_types");
            if (types && types->is_array()) {
                if (static_cast<std::int64_t>(types->as_array().size()) != dims_.layers)
                    throw InputError(where_, "layer_types has " + std::to_string(types->as_array().size()) +
                                                 " entries for " + std::to_string(dims_.layers) + " layers");
                for (std::size_t i = 0; i < windows_.size(); ++i) {
                    const JsonValue& t = types->as_array()[i];
                    if (t.is_string() && t.as_string() == "sliding_attention") {
                        if (window <= 0) throw InputError(where_, "layer_types asks for sliding attention but sliding_window is not set");
                        windows_[i] = window;
                    }
                }
            } else if (c.sliding_window) {  // transformers 4 configs: layers from max_window_layers on
                const JsonValue* mwl = c.raw.find("max_window_layers");
                const std::int64_t first = mwl && mwl->is_number() ? mwl->as_int() : 28;
                for (std::int64_t i = first; i < dims_.layers; ++i) windows_[static_cast<std::size_t>(i)] = *c.sliding_window;
            }
            break;
        }
    }

    // RoPE: one for every block, or one per layer type (Gemma 3), chosen by the blocks' windows.
    std::vector<bool> sliding(windows_.size());
    for (std::size_t i = 0; i < windows_.size(); ++i) sliding[i] = windows_[i] > 0;
    LayerRopes layer_ropes_found = layer_ropes(c, *traits_, rope_head_dim, sliding, where_);
    ropes_ = std::move(layer_ropes_found.ropes);
    layer_rope_ = std::move(layer_ropes_found.of_layer);

    const bool tie = c.raw.find("tie_word_embeddings") ? c.tie_word_embeddings : spec_->tie_default;
    const JsonValue* mlp_bias = c.raw.find("mlp_bias");
    weights_ = std::make_unique<ModelWeights>(checkpoint, *spec_, dims_, tie,
                                              mlp_bias && mlp_bias->is_bool() && mlp_bias->as_bool(),
                                              mixture_ ? &*mixture_ : nullptr);
}

Transformer::~Transformer() = default;

void Transformer::check_ids(std::span<const std::int32_t> ids, std::int64_t extra_positions) const {
    const std::string root = checkpoint_.root().string();
    if (ids.empty()) throw InputError(root, "empty token sequence");
    for (std::size_t i = 0; i < ids.size(); ++i)
        if (ids[i] < 0 || ids[i] >= dims_.vocab)
            throw InputError(root, "token id " + std::to_string(ids[i]) + " at position " + std::to_string(i) +
                                       " is outside the vocabulary [0, " + std::to_string(dims_.vocab) + ")");
    // Dynamic NTK exists to run past max_position_embeddings; every other variant stops there.
    const std::int64_t total = static_cast<std::int64_t>(ids.size()) + extra_positions;
    if (rope().type() != "dynamic" && total > dims_.max_positions)
        throw InputError(root, std::to_string(ids.size()) + " prompt tokens" +
                                   (extra_positions ? " + " + std::to_string(extra_positions) + " new tokens" : std::string()) +
                                   " exceed the model's context of " + std::to_string(dims_.max_positions) +
                                   " positions (max_position_embeddings)");
}

Transformer::Step Transformer::make_step(std::span<const SequenceSpan> spans, std::span<const std::int64_t> past) const {
    Step s;
    s.spans.assign(spans.begin(), spans.end());
    s.past.assign(past.begin(), past.end());
    for (const auto& sp : spans) s.tokens = std::max(s.tokens, sp.begin + sp.length);
    std::vector<std::int64_t> positions;
    for (const Rope& rope : ropes_) {
        const std::int64_t half = rope.rotary_dim() / 2;
        Tensor cos = Tensor::zeros_host({s.tokens, half}), sin = Tensor::zeros_host({s.tokens, half});
        for (std::size_t i = 0; i < spans.size(); ++i) {
            positions.resize(static_cast<std::size_t>(spans[i].length));
            for (std::int64_t t = 0; t < spans[i].length; ++t) positions[static_cast<std::size_t>(t)] = past[i] + t;
            rope.fill(positions, past[i] + spans[i].length, cos.f32() + spans[i].begin * half,
                      sin.f32() + spans[i].begin * half);
        }
        s.cos.push_back(backend_.to_device(cos));
        s.sin.push_back(backend_.to_device(sin));
    }
    return s;
}

// A sub-layer's output before it joins the residual stream: its post norm (Gemma 2 sandwich,
// HyperCLOVAX peri-LN, Exaone 4 post-LN), then the muP residual multiplier.
void Transformer::finish_sublayer(const Tensor& post_norm, Tensor& out) {
    if (post_norm.defined())
        backend_.rmsnorm(out, post_norm, dims_.norm_eps, spec_->norm == NormKind::rms_plus_one, out);
    if (scalars_.residual_scale != 1.0f) backend_.scale(out, scalars_.residual_scale);
}

// The block's norm of the spec's kind: RMSNorm, (1+w) RMSNorm or LayerNorm with its bias.
void Transformer::norm(const Tensor& x, const Tensor& w, const Tensor& bias, Tensor& y) {
    if (spec_->norm == NormKind::layer_norm)
        backend_.layernorm(x, w, bias.defined() ? &bias : nullptr, dims_.norm_eps, y);
    else
        backend_.rmsnorm(x, w, dims_.norm_eps, spec_->norm == NormKind::rms_plus_one, y);
}

// GPT-2: x += wpe[position] for every token of the step.
void Transformer::add_learned_positions(Tensor& x, const Step& step) {
    if (!traits_->learned_positions) return;
    std::vector<std::int32_t> positions(static_cast<std::size_t>(step.tokens));
    for (std::size_t i = 0; i < step.spans.size(); ++i)
        for (std::int64_t t = 0; t < step.spans[i].length; ++t)
            positions[static_cast<std::size_t>(step.spans[i].begin + t)] = static_cast<std::int32_t>(step.past[i] + t);
    Tensor pos = backend_.allocate({step.tokens, dims_.hidden});
    backend_.embedding(weights_->position_embedding_view(), positions, pos);
    backend_.add(x, pos, x);
}

void Transformer::run_block(const LayerWeights& w, std::int64_t layer, Tensor& x, const Step& step, KvCache* cache) {
    const std::int64_t T = x.rows(), d = dims_.hidden, H = dims_.heads, Hkv = dims_.kv_heads, hd = dims_.head_dim;
    const bool plus_one = spec_->norm == NormKind::rms_plus_one;
    auto opt = [](const Tensor& t) { return t.defined() ? &t : nullptr; };

    // ---- attention ----
    Tensor h = backend_.allocate({T, d});
    if (traits_->pre_norms) norm(x, w.attn_norm, w.attn_norm_bias, h);
    else backend_.copy_rows(x, 0, h, 0, T);  // Exaone 4: the sub-layer reads the residual stream itself
    Tensor q = backend_.allocate({T, H * hd}), k = backend_.allocate({T, Hkv * hd}), v = backend_.allocate({T, Hkv * hd});
    if (w.latent) {  // DeepSeek MLA, rearranged as plain attention (latent_attention.h)
        latent_qkv(backend_, *w.latent, *mixture_, h, q, k, v);
    } else {
        backend_.matmul_wt(h, w.q, opt(w.q_bias), q);
        backend_.matmul_wt(h, w.k, opt(w.k_bias), k);
        backend_.matmul_wt(h, w.v, opt(w.v_bias), v);
    }
    if (qk_norm_) {  // per-head RMSNorm over hd values: rows of [T·H, hd]
        Tensor q_heads = q.reshaped({T * H, hd}), k_heads = k.reshaped({T * Hkv, hd});
        backend_.rmsnorm(q_heads, w.q_norm, dims_.norm_eps, plus_one, q_heads);
        backend_.rmsnorm(k_heads, w.k_norm, dims_.norm_eps, plus_one, k_heads);
    }
    if (!traits_->learned_positions && !(nope_full_layers_ && windows_[static_cast<std::size_t>(layer)] == 0)) {
        const std::size_t r = layer_rope_[static_cast<std::size_t>(layer)];
        backend_.rope(q, H, hd, step.cos[r], step.sin[r], rope_style_);
        backend_.rope(k, Hkv, hd, step.cos[r], step.sin[r], rope_style_);
    }

    std::vector<AttentionSequence> seqs(step.spans.size());
    const Tensor* keys = &k;
    const Tensor* values = &v;
    for (std::size_t i = 0; i < step.spans.size(); ++i) {
        const SequenceSpan& sp = step.spans[i];
        if (cache) {
            const std::int64_t row = cache->base[i] + step.past[i];
            backend_.copy_rows(k, sp.begin, cache->k[static_cast<std::size_t>(layer)], row, sp.length);
            backend_.copy_rows(v, sp.begin, cache->v[static_cast<std::size_t>(layer)], row, sp.length);
            seqs[i] = {sp.begin, sp.length, cache->base[i], step.past[i] + sp.length};
        } else {
            seqs[i] = {sp.begin, sp.length, sp.begin, sp.length};
        }
    }
    if (cache) {
        keys = &cache->k[static_cast<std::size_t>(layer)];
        values = &cache->v[static_cast<std::size_t>(layer)];
    }
    // VAETKI: YaRN's mscale² scales full-attention blocks only (mixture_spec.h).
    const bool sliding_scale = mixture_ && mixture_->sliding_attention_scale > 0 && windows_[static_cast<std::size_t>(layer)] > 0;
    AttentionParams params{H, Hkv, hd, sliding_scale ? mixture_->sliding_attention_scale : attention_scale_,
                           windows_[static_cast<std::size_t>(layer)]};
    params.softcap = scalars_.attn_softcap;
    Tensor attn = backend_.allocate({T, H * hd});
    backend_.attention(q, *keys, *values, seqs, params, attn);
    Tensor o = backend_.allocate({T, d});
    backend_.matmul_wt(attn, w.o, opt(w.o_bias), o);
    finish_sublayer(w.post_attn_norm, o);
    // Parallel residual (GPT-NeoX, GPT-J): the MLP reads the block's input, not x + attention.
    const bool parallel = traits_->residual != Residual::sequential;
    Tensor attn_out;
    if (parallel) attn_out = o, o = backend_.allocate({T, d});
    else backend_.add(x, o, x);

    // ---- MLP ----
    if (traits_->residual == Residual::parallel_one_norm) {
        // h still holds the attention's norm of x (GPT-J's single ln_1)
    } else if (traits_->pre_norms) {
        norm(x, w.mlp_norm, w.mlp_norm_bias, h);
    } else {
        backend_.copy_rows(x, 0, h, 0, T);
    }
    if (w.moe) {  // routed experts (+ shared experts), moe_block.h
        Tensor routed;
        moe_forward(backend_, *w.moe, *mixture_, activation_, h, routed);
        finish_sublayer(w.post_mlp_norm, routed);  // VAETKI's sandwich norm (none elsewhere)
        backend_.add(x, routed, x);
        return;
    }
    Tensor gate = backend_.allocate({T, dims_.intermediate}), up = backend_.allocate({T, dims_.intermediate});
    if (traits_->mlp == MlpKind::plain) {  // down(act(up(h))): act(up) · 1 through the gated kernel
        backend_.matmul_wt(h, w.up, opt(w.up_bias), gate);
        Tensor ones = Tensor::zeros_host({T, dims_.intermediate});
        std::fill(ones.f32(), ones.f32() + ones.numel(), 1.0f);
        up = backend_.to_device(ones, true);
    } else {
        backend_.matmul_wt(h, w.gate, opt(w.gate_bias), gate);
        backend_.matmul_wt(h, w.up, opt(w.up_bias), up);
    }
    backend_.gated_activation(gate, up, activation_, gate);
    backend_.matmul_wt(gate, w.down, opt(w.down_bias), o);
    finish_sublayer(w.post_mlp_norm, o);
    if (parallel) backend_.add(x, attn_out, x);
    backend_.add(x, o, x);
}

Tensor Transformer::final_norm(const Tensor& x) {
    Tensor w = final_norm_w_.defined() ? final_norm_w_ : backend_.to_device(weights_->final_norm_view());
    Tensor y = backend_.allocate({x.rows(), dims_.hidden});
    const Tensor bias = weights_->final_norm_bias_view();
    norm(x, w, bias.defined() ? backend_.to_device(bias) : bias, y);
    return y;
}

Tensor Transformer::lm_head(const Tensor& normed) {
    Tensor w = lm_head_w_.defined() ? lm_head_w_ : backend_.to_device(weights_->lm_head_view());
    Tensor logits = backend_.allocate({normed.rows(), dims_.vocab});
    const Tensor bias_view = weights_->lm_head_bias_view();  // GPT-J
    const Tensor bias = bias_view.defined() ? backend_.to_device(bias_view) : bias_view;
    backend_.matmul_wt(normed, w, bias.defined() ? &bias : nullptr, logits);
    if (scalars_.logit_scale != 1.0f) backend_.scale(logits, scalars_.logit_scale);  // muP logits_scaling
    if (scalars_.final_softcap > 0.0f) backend_.softcap(logits, scalars_.final_softcap);  // Gemma 2
    return logits;
}

ForwardResult Transformer::forward(std::span<const std::vector<std::int32_t>> sequences, const ForwardOptions& options) {
    if (sequences.empty()) throw UsageError("forward: no sequences");
    std::vector<SequenceSpan> spans;
    std::vector<std::int32_t> ids;
    for (const auto& s : sequences) {
        check_ids(s);
        spans.push_back({static_cast<std::int64_t>(ids.size()), static_cast<std::int64_t>(s.size())});
        ids.insert(ids.end(), s.begin(), s.end());
    }
    const std::int64_t L = dims_.layers;
    std::vector<bool> wanted(static_cast<std::size_t>(L + 1), options.capture_all_layers);
    for (auto l : options.capture_layers) {
        if (l < 0 || l > L) throw UsageError("forward: capture layer " + std::to_string(l) + " outside 0.." + std::to_string(L));
        wanted[static_cast<std::size_t>(l)] = true;
    }
    auto offer = [&](CapturePoint p, std::int64_t layer, const Tensor& t, std::span<const SequenceSpan> rows) {
        if (!options.on_capture) return;
        Tensor host = backend_.to_host(t);
        options.on_capture(Captured{p, layer, host, rows});
    };

    const std::vector<std::int64_t> past(spans.size(), 0);
    Step step = make_step(spans, past);
    Tensor x = backend_.allocate({step.tokens, dims_.hidden});
    backend_.embedding(weights_->embedding_view(), ids, x);
    if (scalars_.embed_scale != 1.0f) backend_.scale(x, scalars_.embed_scale);
    add_learned_positions(x, step);
    if (wanted[0]) offer(CapturePoint::hidden, 0, x, spans);
    for (std::int64_t l = 0; l < L; ++l) {
        if (!resident_.empty()) {
            run_block(resident_[static_cast<std::size_t>(l)], l, x, step, nullptr);
        } else {
            LayerWeights w = weights_->load_layer(backend_, l);  // released at the end of this iteration
            run_block(w, l, x, step, nullptr);
        }
        if (wanted[static_cast<std::size_t>(l + 1)]) offer(CapturePoint::hidden, l + 1, x, spans);
    }
    if (options.capture_final_norm_input) offer(CapturePoint::final_norm_input, L, x, spans);
    if (!options.capture_final_norm_output && options.logits == LogitsMode::none) return {};
    Tensor normed = final_norm(x);
    x = Tensor();
    if (options.capture_final_norm_output) offer(CapturePoint::final_norm_output, -1, normed, spans);

    ForwardResult result;
    if (options.logits == LogitsMode::none) return result;
    if (options.logits == LogitsMode::last) {
        Tensor last = backend_.allocate({static_cast<std::int64_t>(spans.size()), dims_.hidden});
        for (std::size_t i = 0; i < spans.size(); ++i)
            backend_.copy_rows(normed, spans[i].begin + spans[i].length - 1, last, static_cast<std::int64_t>(i), 1);
        normed = last;
        for (std::size_t i = 0; i < spans.size(); ++i) result.logit_rows.push_back({static_cast<std::int64_t>(i), 1});
    } else {
        result.logit_rows = spans;
    }
    Tensor logits = lm_head(normed);
    offer(CapturePoint::logits, -1, logits, result.logit_rows);
    result.logits = backend_.to_host(logits);
    return result;
}

std::vector<std::int32_t> Transformer::generate_greedy(std::span<const std::int32_t> prompt, std::int64_t max_new_tokens,
                                                       const std::function<void(std::int32_t)>& on_token,
                                                       GenerationStats* stats) {
    check_ids(prompt, max_new_tokens);
    GenerationStats local;
    GenerationStats& st = stats ? *stats : local;
    st.prompt_tokens = static_cast<std::int64_t>(prompt.size());

    auto t0 = std::chrono::steady_clock::now();
    if (resident_.empty()) {
        for (std::int64_t l = 0; l < dims_.layers; ++l) resident_.push_back(weights_->load_layer(backend_, l));
        final_norm_w_ = backend_.to_device(weights_->final_norm_view());
        lm_head_w_ = backend_.to_device(weights_->lm_head_view());
    }
    st.load_seconds = seconds_since(t0);

    const std::int64_t capacity = static_cast<std::int64_t>(prompt.size()) + std::max<std::int64_t>(max_new_tokens, 0);
    KvCache cache;
    cache.base = {0};
    for (std::int64_t l = 0; l < dims_.layers; ++l) {
        cache.k.push_back(backend_.allocate({capacity, dims_.kv_heads * dims_.head_dim}));
        cache.v.push_back(backend_.allocate({capacity, dims_.kv_heads * dims_.head_dim}));
    }
    auto argmax_last = [&](const Tensor& x) {
        Tensor last = backend_.allocate({1, dims_.hidden});
        backend_.copy_rows(x, x.rows() - 1, last, 0, 1);
        Tensor logits = backend_.to_host(lm_head(final_norm(last)));
        const float* row = logits.f32();
        std::int32_t best = 0;  // first maximum, as torch.argmax
        for (std::int64_t j = 1; j < dims_.vocab; ++j)
            if (row[j] > row[best]) best = static_cast<std::int32_t>(j);
        return best;
    };
    auto run_step = [&](std::span<const std::int32_t> ids, std::int64_t past) {
        const SequenceSpan span{0, static_cast<std::int64_t>(ids.size())};
        Step step = make_step(std::span(&span, 1), std::span(&past, 1));
        Tensor x = backend_.allocate({span.length, dims_.hidden});
        backend_.embedding(weights_->embedding_view(), ids, x);
        if (scalars_.embed_scale != 1.0f) backend_.scale(x, scalars_.embed_scale);
        add_learned_positions(x, step);
        for (std::int64_t l = 0; l < dims_.layers; ++l) run_block(resident_[static_cast<std::size_t>(l)], l, x, step, &cache);
        return argmax_last(x);
    };

    std::vector<std::int32_t> out;
    if (max_new_tokens <= 0) return out;
    t0 = std::chrono::steady_clock::now();
    std::int32_t next = run_step(prompt, 0);
    backend_.synchronize();
    st.prefill_seconds = seconds_since(t0);
    out.push_back(next);
    if (on_token) on_token(next);
    t0 = std::chrono::steady_clock::now();
    for (std::int64_t i = 1; i < max_new_tokens; ++i) {
        next = run_step(std::span(&next, 1), static_cast<std::int64_t>(prompt.size()) + i - 1);
        out.push_back(next);
        if (on_token) on_token(next);
    }
    backend_.synchronize();
    st.decode_seconds = seconds_since(t0);
    st.new_tokens = static_cast<std::int64_t>(out.size());
    return out;
}

}  // namespace lineage::model
