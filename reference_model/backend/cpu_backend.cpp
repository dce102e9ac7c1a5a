// The reference backend: fp32 on the host. Large GEMMs go straight to OpenBLAS (cblas_sgemm, which
// reaches ~1.3x the GFLOP/s of GCC-compiled Eigen kernels here; see bench/gemm.cpp); elementwise
// operations are plain loops split over the cores with parallel_for. Each operation mirrors the
// transformers code named in its comment, in the same order of floating-point steps where that
// matters (RMSNorm's fp32 variance, softmax in fp32 with the max subtracted).
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "reference_model/backend/backend.h"
#include "reference_model/backend/parallel.h"
#include "weights/core/convert.h"
#include "weights/core/error.h"

namespace lineage::model {

namespace {

void require(bool ok, const char* op, const std::string& what) {
    if (!ok) throw InternalError(std::string("cpu backend: ") + op + ": " + what);
}

void require_f32_host(const Tensor& t, const char* op, const char* name) {
    require(t.defined(), op, std::string(name) + " is undefined");
    require(t.dtype() == DType::F32, op, std::string(name) + " is not fp32");
    require(t.device() == Device::cpu, op, std::string(name) + " is not on the host");
}

float gelu_erf(float x) { return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f)); }
float gelu_tanh(float x) {
    const float k = 0.7978845608028654f;  // sqrt(2/pi)
    return 0.5f * x * (1.0f + std::tanh(k * (x + 0.044715f * x * x * x)));
}

class CpuBackend final : public Backend {
public:
    Device device() const override { return Device::cpu; }

    std::string description() const override {
        return "cpu (" + std::to_string(cpu_threads()) + " threads, OpenBLAS " +
               std::to_string(openblas_get_num_threads()) + " threads)";
    }

    Tensor allocate(std::vector<std::int64_t> shape, DType dtype) override {
        return Tensor::zeros_host(std::move(shape), dtype);
    }

    Tensor to_device(const Tensor& host, bool force_copy) override {
        require(host.device() == Device::cpu, "to_device", "source is not on the host");
        if (host.dtype() == DType::F32 && !force_copy) return host;
        Tensor out = Tensor::zeros_host(host.shape(), DType::F32);
        std::span<const std::byte> src(host.bytes(), host.byte_size());
        float* dst = out.f32();
        DType dt = host.dtype();
        // Chunks of 1 Mi elements converted on every core.
        const std::int64_t chunk = 1 << 20;
        std::int64_t n = host.numel(), chunks = (n + chunk - 1) / chunk;
        parallel_for(chunks, 1, [&](std::int64_t b, std::int64_t e) {
            for (std::int64_t c = b; c < e; ++c) {
                std::int64_t first = c * chunk, count = std::min(chunk, n - first);
                weights::convert_to_f32(dt, src, static_cast<std::uint64_t>(first),
                                        std::span<float>(dst + first, static_cast<std::size_t>(count)));
            }
        });
        return out;
    }

    Tensor to_host(const Tensor& t) override {
        require_f32_host(t, "to_host", "tensor");
        return t;
    }

    void copy_rows(const Tensor& src, std::int64_t src_row, Tensor& dst, std::int64_t dst_row,
                   std::int64_t n) override {
        require_f32_host(src, "copy_rows", "src");
        require_f32_host(dst, "copy_rows", "dst");
        require(src.cols() == dst.cols(), "copy_rows", "column counts differ");
        require(src_row >= 0 && dst_row >= 0 && src_row + n <= src.rows() && dst_row + n <= dst.rows(), "copy_rows",
                "rows out of range");
        std::memmove(dst.f32() + dst_row * dst.cols(), src.f32() + src_row * src.cols(),
                     static_cast<std::size_t>(n * src.cols()) * sizeof(float));
    }

    // nn.Linear: y = x W^T + b.
    void matmul_wt(const Tensor& x, const Tensor& w, const Tensor* bias, Tensor& y) override {
        require_f32_host(x, "matmul_wt", "x");
        require_f32_host(w, "matmul_wt", "w");
        require_f32_host(y, "matmul_wt", "y");
        const std::int64_t n = x.rows(), k = x.cols(), m = w.rows();
        require(w.cols() == k, "matmul_wt", "x " + x.shape_string() + " and w " + w.shape_string() + " disagree");
        require(y.rows() == n && y.cols() == m, "matmul_wt", "y " + y.shape_string() + " is not [n, m]");
        float beta = 0.0f;
        if (bias) {
            require_f32_host(*bias, "matmul_wt", "bias");
            require(bias->numel() == m, "matmul_wt", "bias size");
            const float* b = bias->f32();
            float* out = y.f32();
            for (std::int64_t r = 0; r < n; ++r) std::memcpy(out + r * m, b, static_cast<std::size_t>(m) * sizeof(float));
            beta = 1.0f;
        }
        if (n == 0 || m == 0) return;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(n), static_cast<int>(m),
                    static_cast<int>(k), 1.0f, x.f32(), static_cast<int>(k), w.f32(), static_cast<int>(k), beta,
                    y.f32(), static_cast<int>(m));
    }

    // LlamaRMSNorm: variance in fp32, x * rsqrt(var + eps), then the weight.
    void rmsnorm(const Tensor& x, const Tensor& w, float eps, bool plus_one, Tensor& y) override {
        require_f32_host(x, "rmsnorm", "x");
        require_f32_host(w, "rmsnorm", "w");
        require_f32_host(y, "rmsnorm", "y");
        const std::int64_t d = w.numel();
        require(d > 0 && x.numel() % d == 0 && y.numel() == x.numel(), "rmsnorm",
                "x " + x.shape_string() + " not rows of " + std::to_string(d));
        const std::int64_t rows = x.numel() / d;
        const float* xs = x.f32();
        const float* ws = w.f32();
        float* ys = y.f32();
        parallel_for(rows, 64, [&](std::int64_t b, std::int64_t e) {
            for (std::int64_t r = b; r < e; ++r) {
                const float* xr = xs + r * d;
                float* yr = ys + r * d;
                double sum = 0;
                for (std::int64_t i = 0; i < d; ++i) sum += static_cast<double>(xr[i]) * xr[i];
                float inv = 1.0f / std::sqrt(static_cast<float>(sum / static_cast<double>(d)) + eps);
                for (std::int64_t i = 0; i < d; ++i) {
                    float wi = plus_one ? 1.0f + ws[i] : ws[i];
                    yr[i] = wi * (xr[i] * inv);
                }
            }
        });
    }

    // apply_rotary_pos_emb: x·cos + rotate_half(x)·sin (neox), or on adjacent pairs (interleaved).
    void rope(Tensor& x, std::int64_t heads, std::int64_t head_dim, const Tensor& cos, const Tensor& sin,
              RopeStyle style) override {
        require_f32_host(x, "rope", "x");
        require_f32_host(cos, "rope", "cos");
        require_f32_host(sin, "rope", "sin");
        const std::int64_t tokens = x.rows(), half = cos.cols();
        require(x.cols() == heads * head_dim, "rope", "x " + x.shape_string() + " is not [T, heads*head_dim]");
        require(cos.rows() == tokens && sin.rows() == tokens && sin.cols() == half && 2 * half <= head_dim, "rope",
                "cos/sin " + cos.shape_string() + " do not match x " + x.shape_string());
        float* xs = x.f32();
        const float* cs = cos.f32();
        const float* ss = sin.f32();
        parallel_for(tokens, 32, [&](std::int64_t b, std::int64_t e) {
            for (std::int64_t t = b; t < e; ++t) {
                const float* c = cs + t * half;
                const float* s = ss + t * half;
                for (std::int64_t h = 0; h < heads; ++h) {
                    float* v = xs + t * heads * head_dim + h * head_dim;
                    for (std::int64_t i = 0; i < half; ++i) {
                        std::int64_t a = style == RopeStyle::neox ? i : 2 * i;
                        std::int64_t z = style == RopeStyle::neox ? i + half : 2 * i + 1;
                        float x1 = v[a], x2 = v[z];
                        v[a] = x1 * c[i] - x2 * s[i];
                        v[z] = x2 * c[i] + x1 * s[i];
                    }
                }
            }
        });
    }

    // eager_attention_forward with repeat_kv: softmax(q k^T · scale + mask) v, per sequence and head.
    void attention(const Tensor& q, const Tensor& k, const Tensor& v, std::span<const AttentionSequence> sequences,
                   const AttentionParams& p, Tensor& out) override {
        require_f32_host(q, "attention", "q");
        require_f32_host(k, "attention", "k");
        require_f32_host(v, "attention", "v");
        require_f32_host(out, "attention", "out");
        const std::int64_t hd = p.head_dim, H = p.num_heads, Hkv = p.num_kv_heads;
        require(H > 0 && Hkv > 0 && H % Hkv == 0, "attention", "heads not a multiple of kv heads");
        require(q.cols() == H * hd && out.cols() == H * hd && out.rows() == q.rows(), "attention", "q/out shape");
        require(k.cols() == Hkv * hd && v.cols() == Hkv * hd && k.rows() == v.rows(), "attention", "k/v shape");
        const std::int64_t group = H / Hkv;
        const int ldq = static_cast<int>(H * hd), ldkv = static_cast<int>(Hkv * hd);
        std::vector<float> scores;
        for (const auto& s : sequences) {
            require(s.q_len <= s.kv_len && s.q_begin + s.q_len <= q.rows() && s.kv_begin + s.kv_len <= k.rows(),
                    "attention", "sequence span out of range");
            if (s.q_len == 0) continue;
            scores.resize(static_cast<std::size_t>(s.q_len * s.kv_len));
            for (std::int64_t h = 0; h < H; ++h) {
                const std::int64_t g = h / group;
                const float* qh = q.f32() + s.q_begin * H * hd + h * hd;
                const float* kh = k.f32() + s.kv_begin * Hkv * hd + g * hd;
                const float* vh = v.f32() + s.kv_begin * Hkv * hd + g * hd;
                float* oh = out.f32() + s.q_begin * H * hd + h * hd;
                // scores [q_len, kv_len] = q_h k_h^T · scale
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(s.q_len),
                            static_cast<int>(s.kv_len), static_cast<int>(hd), p.scale, qh, ldq, kh, ldkv, 0.0f,
                            scores.data(), static_cast<int>(s.kv_len));
                for (std::int64_t i = 0; i < s.q_len; ++i) {
                    float* row = scores.data() + i * s.kv_len;
                    const std::int64_t pos = s.kv_len - s.q_len + i;
                    const std::int64_t first = p.sliding_window > 0 ? std::max<std::int64_t>(0, pos - p.sliding_window + 1) : 0;
                    if (p.softcap > 0.0f)  // Gemma 2: tanh soft-capping of the scaled scores
                        for (std::int64_t j = first; j <= pos; ++j) row[j] = p.softcap * std::tanh(row[j] / p.softcap);
                    float mx = -std::numeric_limits<float>::infinity();
                    for (std::int64_t j = first; j <= pos; ++j) mx = std::max(mx, row[j]);
                    float sum = 0.0f;
                    for (std::int64_t j = first; j <= pos; ++j) {
                        row[j] = std::exp(row[j] - mx);
                        sum += row[j];
                    }
                    const float inv = 1.0f / sum;
                    for (std::int64_t j = 0; j < s.kv_len; ++j) row[j] = (j >= first && j <= pos) ? row[j] * inv : 0.0f;
                }
                // out_h [q_len, hd] = P [q_len, kv_len] · v_h [kv_len, hd]
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(s.q_len), static_cast<int>(hd),
                            static_cast<int>(s.kv_len), 1.0f, scores.data(), static_cast<int>(s.kv_len), vh, ldkv, 0.0f,
                            oh, ldq);
            }
        }
    }

    // LlamaMLP: act_fn(gate_proj(x)) * up_proj(x).
    void gated_activation(const Tensor& gate, const Tensor& up, Activation act, Tensor& out) override {
        require_f32_host(gate, "gated_activation", "gate");
        require_f32_host(up, "gated_activation", "up");
        require_f32_host(out, "gated_activation", "out");
        require(gate.numel() == up.numel() && out.numel() == gate.numel(), "gated_activation", "sizes differ");
        const float* g = gate.f32();
        const float* u = up.f32();
        float* o = out.f32();
        parallel_for(gate.numel(), 1 << 14, [&](std::int64_t b, std::int64_t e) {
            switch (act) {
                case Activation::silu:
                    for (std::int64_t i = b; i < e; ++i) o[i] = g[i] / (1.0f + std::exp(-g[i])) * u[i];
                    break;
                case Activation::gelu:
                    for (std::int64_t i = b; i < e; ++i) o[i] = gelu_erf(g[i]) * u[i];
                    break;
                case Activation::gelu_tanh:
                    for (std::int64_t i = b; i < e; ++i) o[i] = gelu_tanh(g[i]) * u[i];
                    break;
                case Activation::relu:
                    for (std::int64_t i = b; i < e; ++i) o[i] = std::max(g[i], 0.0f) * u[i];
                    break;
            }
        });
    }

    void add(const Tensor& a, const Tensor& b, Tensor& out) override {
        require_f32_host(a, "add", "a");
        require_f32_host(b, "add", "b");
        require_f32_host(out, "add", "out");
        require(a.numel() == b.numel() && out.numel() == a.numel(), "add", "sizes differ");
        const float* x = a.f32();
        const float* y = b.f32();
        float* o = out.f32();
        parallel_for(a.numel(), 1 << 16, [&](std::int64_t s, std::int64_t e) {
            for (std::int64_t i = s; i < e; ++i) o[i] = x[i] + y[i];
        });
    }

    // nn.Embedding: a row gather; rows are converted from the stored dtype one at a time.
    void embedding(const Tensor& table, std::span<const std::int32_t> ids, Tensor& out) override {
        require(table.device() == Device::cpu, "embedding", "table is not on the host");
        require_f32_host(out, "embedding", "out");
        const std::int64_t d = table.cols();
        require(out.rows() == static_cast<std::int64_t>(ids.size()) && out.cols() == d, "embedding", "out shape");
        std::span<const std::byte> src(table.bytes(), table.byte_size());
        for (std::size_t i = 0; i < ids.size(); ++i) {
            require(ids[i] >= 0 && ids[i] < table.rows(), "embedding", "id out of range");
            weights::convert_to_f32(table.dtype(), src, static_cast<std::uint64_t>(ids[i]) * static_cast<std::uint64_t>(d),
                                    std::span<float>(out.f32() + static_cast<std::int64_t>(i) * d, static_cast<std::size_t>(d)));
        }
    }

    void softmax(Tensor& x) override {
        require_f32_host(x, "softmax", "x");
        const std::int64_t m = x.cols();
        float* xs = x.f32();
        parallel_for(x.rows(), 16, [&](std::int64_t b, std::int64_t e) {
            for (std::int64_t r = b; r < e; ++r) {
                float* row = xs + r * m;
                float mx = -std::numeric_limits<float>::infinity();
                for (std::int64_t j = 0; j < m; ++j) mx = std::max(mx, row[j]);
                double sum = 0;
                for (std::int64_t j = 0; j < m; ++j) {
                    row[j] = std::exp(row[j] - mx);
                    sum += row[j];
                }
                const float inv = static_cast<float>(1.0 / sum);
                for (std::int64_t j = 0; j < m; ++j) row[j] *= inv;
            }
        });
    }
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend() { return std::make_unique<CpuBackend>(); }

}  // namespace lineage::model
