// RoPE frequency computation for each scaling variant (formulas in rope.h). Frequencies are
// computed the way transformers does, in fp32 where it uses fp32, so that angles agree to the
// last bits at the positions the fixtures test.
#include "reference_model/architecture/rope.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "weights/core/error.h"

namespace lineage::model {

namespace {

// 1 / theta^(2i/dim) in fp32, as torch computes `1.0 / (base ** (arange(0, dim, 2).float() / dim))`.
std::vector<float> default_inv_freq(double theta, std::int64_t dim) {
    std::vector<float> f(static_cast<std::size_t>(dim / 2));
    for (std::int64_t i = 0; i < dim / 2; ++i) {
        float exponent = static_cast<float>(2 * i) / static_cast<float>(dim);
        f[static_cast<std::size_t>(i)] = 1.0f / std::pow(static_cast<float>(theta), exponent);
    }
    return f;
}

double get_mscale(double scale, double mscale) { return scale <= 1 ? 1.0 : 0.1 * mscale * std::log(scale) + 1.0; }

double number_or(const std::optional<double>& v, double fallback) { return v ? *v : fallback; }

}  // namespace

Rope Rope::from_config(const weights::ModelConfig& config, std::int64_t head_dim, const std::string& where) {
    Rope r;
    r.theta_ = config.rope_theta;
    r.max_positions_ = config.max_position_embeddings;
    double partial = 1.0;
    for (const char* key : {"rope_parameters", "rope_scaling"}) {
        if (const JsonValue* rp = config.raw.find(key); rp && rp->is_object())
            if (const JsonValue* p = rp->find("partial_rotary_factor"); p && p->is_number()) partial = p->as_double();
    }
    if (const JsonValue* p = config.raw.find("partial_rotary_factor"); p && p->is_number()) partial = p->as_double();
    // GPT-NeoX (transformers 4 configs) give the fraction as rotary_pct, GPT-J the width as rotary_dim.
    if (const JsonValue* p = config.raw.find("rotary_pct"); p && p->is_number()) partial = p->as_double();
    if (const JsonValue* p = config.raw.find("rotary_dim"); p && p->is_number() && head_dim > 0)
        partial = p->as_double() / static_cast<double>(head_dim);
    r.dim_ = static_cast<std::int64_t>(static_cast<double>(head_dim) * partial);
    if (r.dim_ < 2 || r.dim_ > head_dim || r.dim_ % 2 != 0 || !(r.theta_ > 0))
        throw InputError(where, "RoPE: invalid rotary dimension " + std::to_string(r.dim_) + " or rope_theta");

    const weights::RopeScaling none{};
    const weights::RopeScaling& s = config.rope_scaling ? *config.rope_scaling : none;
    r.type_ = s.type.empty() ? "default" : s.type;
    r.factor_ = s.factor;
    auto base = default_inv_freq(r.theta_, r.dim_);
    auto need = [&](const std::optional<double>& v, const char* field) {
        if (!v) throw InputError(where, "RoPE '" + r.type_ + "' needs rope_parameters." + field);
        return *v;
    };

    if (r.type_ == "default") {
        r.fixed_inv_freq_ = base;
    } else if (r.type_ == "linear") {
        for (auto& f : base) f /= static_cast<float>(r.factor_);
        r.fixed_inv_freq_ = base;
    } else if (r.type_ == "dynamic") {
        if (r.max_positions_ <= 0) throw InputError(where, "RoPE 'dynamic' needs max_position_embeddings");
    } else if (r.type_ == "yarn") {
        const double orig = number_or(s.original_max_position_embeddings, static_cast<double>(r.max_positions_));
        double factor = s.factor;
        double attention = 0;
        if (s.attention_factor) {
            attention = *s.attention_factor;
        } else if (s.mscale && s.mscale_all_dim && *s.mscale != 0 && *s.mscale_all_dim != 0) {
            attention = get_mscale(factor, *s.mscale) / get_mscale(factor, *s.mscale_all_dim);
        } else {
            attention = get_mscale(factor, 1.0);
        }
        const double beta_fast = s.beta_fast && *s.beta_fast != 0 ? *s.beta_fast : 32.0;
        const double beta_slow = s.beta_slow && *s.beta_slow != 0 ? *s.beta_slow : 1.0;
        const double dim = static_cast<double>(r.dim_);
        auto correction_dim = [&](double rotations) {
            return dim * std::log(orig / (rotations * 2 * std::numbers::pi)) / (2 * std::log(r.theta_));
        };
        double low = correction_dim(beta_fast), high = correction_dim(beta_slow);
        if (s.truncate.value_or(true)) {
            low = std::floor(low);
            high = std::ceil(high);
        }
        low = std::max(low, 0.0);
        high = std::min(high, dim - 1);
        if (low == high) high += 0.001;  // transformers' guard against a zero-width ramp
        r.fixed_inv_freq_.resize(base.size());
        for (std::size_t i = 0; i < base.size(); ++i) {
            // pos_freqs = theta^(2i/dim) in fp32; extrapolation 1/pos_freqs, interpolation 1/(factor·pos_freqs)
            float pos_freq = std::pow(static_cast<float>(r.theta_), static_cast<float>(2 * i) / static_cast<float>(dim));
            float extra = 1.0f / pos_freq;
            float inter = 1.0f / (static_cast<float>(factor) * pos_freq);
            float ramp = (static_cast<float>(i) - static_cast<float>(low)) / static_cast<float>(high - low);
            ramp = std::clamp(ramp, 0.0f, 1.0f);
            float extra_factor = 1.0f - ramp;
            r.fixed_inv_freq_[i] = inter * (1.0f - extra_factor) + extra * extra_factor;
        }
        r.attention_scaling_ = static_cast<float>(attention);
    } else if (r.type_ == "llama3") {
        const double factor = s.factor;
        const double low_ff = need(s.low_freq_factor, "low_freq_factor");
        const double high_ff = need(s.high_freq_factor, "high_freq_factor");
        const double old_len = need(s.original_max_position_embeddings, "original_max_position_embeddings");
        const double low_wavelen = old_len / low_ff, high_wavelen = old_len / high_ff;
        r.fixed_inv_freq_.resize(base.size());
        for (std::size_t i = 0; i < base.size(); ++i) {
            const float f = base[i];
            const float wavelen = 2.0f * static_cast<float>(std::numbers::pi) / f;
            float scaled = wavelen > low_wavelen ? f / static_cast<float>(factor) : f;
            const bool medium = !(wavelen < high_wavelen) && !(wavelen > low_wavelen);
            if (medium) {
                const float smooth = (static_cast<float>(old_len) / wavelen - static_cast<float>(low_ff)) /
                                     static_cast<float>(high_ff - low_ff);
                scaled = (1.0f - smooth) * scaled / static_cast<float>(factor) + smooth * scaled;
            }
            r.fixed_inv_freq_[i] = scaled;
        }
    } else {
        throw UnsupportedError(where, "RoPE scaling type '" + r.type_ +
                                          "' is not supported (supported: default, linear, dynamic, yarn, llama3)");
    }
    return r;
}

std::vector<float> Rope::inv_freq(std::int64_t seq_len) const {
    if (type_ != "dynamic") return fixed_inv_freq_;
    // Below max_position_embeddings the formula gives theta itself (transformers keeps the
    // original frequencies there).
    const double len = static_cast<double>(std::max(seq_len, max_positions_));
    const double dim = static_cast<double>(dim_);
    const double scaled = factor_ * len / static_cast<double>(max_positions_) - (factor_ - 1.0);
    const float theta = static_cast<float>(theta_ * std::pow(scaled, dim / (dim - 2.0)));
    return default_inv_freq(theta, dim_);
}

void Rope::fill(std::span<const std::int64_t> positions, std::int64_t seq_len, float* cos, float* sin) const {
    const auto freq = inv_freq(seq_len);
    const std::size_t half = freq.size();
    for (std::size_t t = 0; t < positions.size(); ++t) {
        const float p = static_cast<float>(positions[t]);
        for (std::size_t i = 0; i < half; ++i) {
            const float angle = p * freq[i];
            cos[t * half + i] = std::cos(angle) * attention_scaling_;
            sin[t * half + i] = std::sin(angle) * attention_scaling_;
        }
    }
}

}  // namespace lineage::model
