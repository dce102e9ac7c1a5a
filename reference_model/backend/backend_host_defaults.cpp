// Host implementations of the Backend ops that only some families need (see backend.h). They go
// through to_host/to_device, which on the CPU backend are the same memory, so they are exact and
// in place there; a device backend pays a round trip until it overrides them.
#include <cmath>

#include "reference_model/backend/backend.h"

namespace lineage::model {

namespace {

template <typename F>
void map_in_place(Backend& b, Tensor& x, F f) {
    Tensor h = b.to_host(x);
    float* p = h.f32();
    for (std::int64_t i = 0, n = h.numel(); i < n; ++i) p[i] = f(p[i]);
    if (b.device() != Device::cpu) x = b.to_device(h, true);
}

}  // namespace

void Backend::scale(Tensor& x, float s) {
    map_in_place(*this, x, [s](float v) { return v * s; });
}

void Backend::softcap(Tensor& x, float cap) {
    map_in_place(*this, x, [cap](float v) { return cap * std::tanh(v / cap); });
}

void Backend::layernorm(const Tensor& x, const Tensor& w, const Tensor* b, float eps, Tensor& y) {
    const Tensor hx = to_host(x), hw = to_host(w);
    const Tensor hb = b ? to_host(*b) : Tensor();
    Tensor hy = device() == Device::cpu ? to_host(y) : Tensor::zeros_host(y.shape());
    const std::int64_t d = hw.numel(), rows = hx.numel() / d;
    for (std::int64_t r = 0; r < rows; ++r) {
        const float* in = hx.f32() + r * d;
        float* out = hy.f32() + r * d;
        double mean = 0, var = 0;
        for (std::int64_t i = 0; i < d; ++i) mean += in[i];
        mean /= static_cast<double>(d);
        for (std::int64_t i = 0; i < d; ++i) var += (in[i] - mean) * (in[i] - mean);
        const float inv = 1.0f / std::sqrt(static_cast<float>(var / static_cast<double>(d)) + eps);
        const float m = static_cast<float>(mean);
        for (std::int64_t i = 0; i < d; ++i)
            out[i] = (in[i] - m) * inv * hw.f32()[i] + (b ? hb.f32()[i] : 0.0f);
    }
    if (device() != Device::cpu) y = to_device(hy, true);
}

}  // namespace lineage::model
