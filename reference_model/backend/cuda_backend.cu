// The CUDA backend: the Backend interface (backend.h) on one NVIDIA GPU. Tensors live in device
// memory from the stream-ordered pool; every operation is queued on the context's one stream, so
// calls run in order and the host only waits in to_host() and synchronize(). GEMMs go to cuBLAS in
// full fp32 (cuda_gemm.h: CUBLAS_COMPUTE_32F, like the CPU reference's sgemm); the other ops are
// the kernels listed in cuda_kernels.cuh, each a transcription of the CpuBackend op it names.
// Weights are uploaded from their stored dtype through pinned double-buffered staging
// (cuda_upload.cuh). Shape checks mirror CpuBackend's; CUDA/cuBLAS failures throw DeviceError.
//
// Matmul precision: full fp32 by default (the reference). LINEAGE_CUDA_MATMUL=bf16 (or fp16), read
// when the backend is made, rounds x and w to 16 bits inside each matmul_wt (into scratch; fp32
// accumulation and output) for tensor-core throughput on large batches: faster, no longer
// bit-comparable with the CPU, and said so in description().
//
// Not thread-safe (like CpuBackend): one backend is used by one thread at a time. Every op first
// makes the backend's device current, so several backends on different GPUs may share a thread.
#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "reference_model/backend/backend.h"
#include "reference_model/backend/cuda_check.cuh"
#include "reference_model/backend/cuda_context.cuh"
#include "reference_model/backend/cuda_gemm.h"
#include "reference_model/backend/cuda_kernels.cuh"
#include "reference_model/backend/cuda_upload.cuh"
#include "weights/core/convert.h"
#include "weights/core/error.h"

namespace lineage::model {

namespace {

using cuda::check;

// Attention score scratch per launch: queries of a sequence are processed in groups whose scores
// (queries x heads x keys floats) fit in this many bytes (at least one query per group).
constexpr std::size_t kAttentionScratchBytes = std::size_t{256} << 20;

void require(bool ok, const char* op, const std::string& what) {
    if (!ok) throw InternalError(std::string("cuda backend: ") + op + ": " + what);
}

void require_f32_device(const Tensor& t, const char* op, const char* name) {
    require(t.defined(), op, std::string(name) + " is undefined");
    require(t.dtype() == DType::F32, op, std::string(name) + " is not fp32");
    require(t.device() == Device::cuda, op, std::string(name) + " is not on the GPU (use to_device)");
}

class CudaBackend final : public Backend {
public:
    CudaBackend(int device, cuda::GemmInput matmul_input)
        : ctx_(std::make_shared<cuda::DeviceContext>(device)), uploader_(*ctx_), matmul_input_(matmul_input) {
        cudaDeviceProp prop{};
        check(cudaGetDeviceProperties(&prop, device), "cudaGetDeviceProperties");
        int cublas_version = 0;
        check(cublasGetVersion(ctx_->cublas(), &cublas_version), "cublasGetVersion");
        description_ = "cuda:" + std::to_string(device) + " (" + prop.name + ", " +
                       std::to_string(prop.totalGlobalMem >> 30) + " GiB, sm_" + std::to_string(prop.major) +
                       std::to_string(prop.minor) + ", cuBLAS " + std::to_string(cublas_version) + ", matmul " +
                       (matmul_input == cuda::GemmInput::f32    ? "fp32"
                        : matmul_input == cuda::GemmInput::bf16 ? "bf16 inputs, fp32 accumulation"
                                                                : "fp16 inputs, fp32 accumulation") +
                       ")";
    }

    ~CudaBackend() override {
        try {
            ctx_->bind();
            cudaStreamSynchronize(ctx_->stream());
        } catch (...) {
        }
    }

    Device device() const override { return Device::cuda; }
    std::string description() const override { return description_; }

    // ---- memory ---------------------------------------------------------------------------------
    Tensor allocate(std::vector<std::int64_t> shape, DType dtype) override {
        ctx_->bind();
        std::uint64_t count = 1;
        for (auto d : shape) {
            require(d >= 0, "allocate", "negative dimension in " + shape_string(shape));
            count *= static_cast<std::uint64_t>(d);
        }
        const auto bytes = weights::bytes_for_elements(dtype, count);
        require(bytes.has_value(), "allocate", "size overflow for " + shape_string(shape));
        auto storage = std::make_shared<Storage>();
        void* p = nullptr;
        check(cudaMallocAsync(&p, std::max<std::size_t>(*bytes, 256), ctx_->stream()),
              ("cudaMallocAsync of " + std::to_string(*bytes) + " bytes for " + shape_string(shape)).c_str());
        storage->data = static_cast<std::byte*>(p);
        storage->bytes = *bytes;
        storage->device = Device::cuda;
        std::shared_ptr<cuda::DeviceContext> ctx = ctx_;  // keeps the stream alive for the free
        storage->release = [ctx](std::byte* q) { cudaFreeAsync(q, ctx->stream()); };
        check(cudaMemsetAsync(p, 0, *bytes, ctx_->stream()), "cudaMemsetAsync (allocate)");
        return Tensor::from_storage(std::move(storage), std::move(shape), dtype);
    }

    Tensor to_device(const Tensor& t, bool force_copy) override {
        ctx_->bind();
        require(t.defined(), "to_device", "tensor is undefined");
        if (t.device() == Device::cuda) {
            require(t.dtype() == DType::F32, "to_device", "device tensor is not fp32");
            if (!force_copy) return t;
            Tensor out = allocate(t.shape(), DType::F32);
            check(cudaMemcpyAsync(out.f32(), t.f32(), t.byte_size(), cudaMemcpyDeviceToDevice, ctx_->stream()),
                  "to_device: cudaMemcpyAsync");
            return out;
        }
        Tensor out = allocate(t.shape(), DType::F32);
        uploader_.upload(t, out.f32());
        return out;
    }

    Tensor to_host(const Tensor& t) override {
        ctx_->bind();
        require(t.defined(), "to_host", "tensor is undefined");
        require(t.dtype() == DType::F32, "to_host", "tensor is not fp32");
        if (t.device() == Device::cpu) return t;
        Tensor h = Tensor::zeros_host(t.shape(), DType::F32);
        check(cudaMemcpyAsync(h.f32(), t.f32(), t.byte_size(), cudaMemcpyDeviceToHost, ctx_->stream()),
              "to_host: cudaMemcpyAsync");
        check(cudaStreamSynchronize(ctx_->stream()), "to_host: cudaStreamSynchronize (a queued kernel failed)");
        return h;
    }

    void copy_rows(const Tensor& src, std::int64_t src_row, Tensor& dst, std::int64_t dst_row,
                   std::int64_t n) override {
        ctx_->bind();
        require_f32_device(src, "copy_rows", "src");
        require_f32_device(dst, "copy_rows", "dst");
        require(src.cols() == dst.cols(), "copy_rows", "column counts differ");
        require(n >= 0 && src_row >= 0 && dst_row >= 0 && src_row + n <= src.rows() && dst_row + n <= dst.rows(),
                "copy_rows", "rows out of range");
        if (n == 0) return;
        const std::int64_t c = src.cols();
        check(cudaMemcpyAsync(dst.f32() + dst_row * c, src.f32() + src_row * c,
                              static_cast<std::size_t>(n * c) * sizeof(float), cudaMemcpyDeviceToDevice,
                              ctx_->stream()),
              "copy_rows: cudaMemcpyAsync");
    }

    // ---- operations -------------------------------------------------------------------------------
    void matmul_wt(const Tensor& x, const Tensor& w, const Tensor* bias, Tensor& y) override {
        ctx_->bind();
        require_f32_device(x, "matmul_wt", "x");
        require_f32_device(w, "matmul_wt", "w");
        require_f32_device(y, "matmul_wt", "y");
        const std::int64_t n = x.rows(), k = x.cols(), m = w.rows();
        require(w.cols() == k, "matmul_wt", "x " + x.shape_string() + " and w " + w.shape_string() + " disagree");
        require(y.rows() == n && y.cols() == m, "matmul_wt", "y " + y.shape_string() + " is not [n, m]");
        if (bias) {
            require_f32_device(*bias, "matmul_wt", "bias");
            require(bias->numel() == m, "matmul_wt", "bias size");
        }
        if (n == 0 || m == 0) return;
        if (matmul_input_ == cuda::GemmInput::f32) {
            cuda::gemm_wt(ctx_->cublas(), cuda::GemmInput::f32, x.f32(), w.f32(), y.f32(), n, m, k, 0.0f);
        } else {
            // 16-bit copies of x and w in stream-ordered scratch, freed after the GEMM in stream order.
            cuda::DeviceScratch xs(*ctx_, static_cast<std::size_t>(n * k) * 2), ws(*ctx_, static_cast<std::size_t>(m * k) * 2);
            const auto narrow = matmul_input_ == cuda::GemmInput::bf16 ? cuda::narrow_bf16 : cuda::narrow_f16;
            narrow(x.f32(), xs.as<std::uint16_t>(), n * k, ctx_->stream());
            narrow(w.f32(), ws.as<std::uint16_t>(), m * k, ctx_->stream());
            cuda::gemm_wt(ctx_->cublas(), matmul_input_, xs.as<std::uint16_t>(), ws.as<std::uint16_t>(), y.f32(), n, m,
                          k, 0.0f);
        }
        if (bias) cuda::add_bias_rows(y.f32(), bias->f32(), n, m, ctx_->stream());
    }

    void rmsnorm(const Tensor& x, const Tensor& w, float eps, bool plus_one, Tensor& y) override {
        ctx_->bind();
        require_f32_device(x, "rmsnorm", "x");
        require_f32_device(w, "rmsnorm", "w");
        require_f32_device(y, "rmsnorm", "y");
        const std::int64_t d = w.numel();
        require(d > 0 && x.numel() % d == 0 && y.numel() == x.numel(), "rmsnorm",
                "x " + x.shape_string() + " / y " + y.shape_string() + " are not rows of w " + w.shape_string());
        cuda::rmsnorm(x.f32(), w.f32(), eps, plus_one, y.f32(), x.numel() / d, d, ctx_->stream());
    }

    void layernorm(const Tensor& x, const Tensor& w, const Tensor* b, float eps, Tensor& y) override {
        ctx_->bind();
        require_f32_device(x, "layernorm", "x");
        require_f32_device(w, "layernorm", "w");
        require_f32_device(y, "layernorm", "y");
        const std::int64_t d = w.numel();
        require(d > 0 && x.numel() % d == 0 && y.numel() == x.numel(), "layernorm",
                "x " + x.shape_string() + " / y " + y.shape_string() + " are not rows of w " + w.shape_string());
        if (b) {
            require_f32_device(*b, "layernorm", "b");
            require(b->numel() == d, "layernorm", "bias size");
        }
        cuda::layernorm(x.f32(), w.f32(), b ? b->f32() : nullptr, eps, y.f32(), x.numel() / d, d, ctx_->stream());
    }

    void rope(Tensor& x, std::int64_t heads, std::int64_t head_dim, const Tensor& cos, const Tensor& sin,
              RopeStyle style) override {
        ctx_->bind();
        require_f32_device(x, "rope", "x");
        require_f32_device(cos, "rope", "cos");
        require_f32_device(sin, "rope", "sin");
        const std::int64_t tokens = x.rows(), half = cos.cols();
        require(x.cols() == heads * head_dim, "rope", "x " + x.shape_string() + " is not [T, heads*head_dim]");
        require(cos.rows() == tokens && sin.rows() == tokens && sin.cols() == half && 2 * half <= head_dim, "rope",
                "cos/sin " + cos.shape_string() + " do not match x " + x.shape_string());
        cuda::rope(x.f32(), tokens, heads, head_dim, cos.f32(), sin.f32(), half, style, ctx_->stream());
    }

    void attention(const Tensor& q, const Tensor& k, const Tensor& v, std::span<const AttentionSequence> sequences,
                   const AttentionParams& p, Tensor& out) override {
        ctx_->bind();
        require_f32_device(q, "attention", "q");
        require_f32_device(k, "attention", "k");
        require_f32_device(v, "attention", "v");
        require_f32_device(out, "attention", "out");
        const std::int64_t hd = p.head_dim, H = p.num_heads, Hkv = p.num_kv_heads;
        require(H > 0 && Hkv > 0 && H % Hkv == 0, "attention", "heads not a multiple of kv heads");
        require(q.cols() == H * hd && out.cols() == H * hd && out.rows() == q.rows(), "attention", "q/out shape");
        require(k.cols() == Hkv * hd && v.cols() == Hkv * hd && k.rows() == v.rows(), "attention", "k/v shape");
        // Scratch for the largest group of queries of any sequence.
        std::size_t scratch_floats = 0;
        for (const auto& s : sequences) {
            require(s.q_begin >= 0 && s.kv_begin >= 0 && s.q_len >= 0 && s.q_len <= s.kv_len &&
                        s.q_begin + s.q_len <= q.rows() && s.kv_begin + s.kv_len <= k.rows(),
                    "attention", "sequence span out of range");
            if (s.q_len == 0) continue;
            const std::int64_t group = queries_per_group(s, H);
            scratch_floats = std::max(scratch_floats, static_cast<std::size_t>(group * H * s.kv_len));
        }
        if (scratch_floats == 0) return;
        cuda::DeviceScratch scratch(*ctx_, scratch_floats * sizeof(float));
        for (const auto& s : sequences) {
            if (s.q_len == 0) continue;
            const std::int64_t group = queries_per_group(s, H);
            for (std::int64_t first = 0; first < s.q_len; first += group)
                cuda::attention_sequence(q.f32(), k.f32(), v.f32(), out.f32(), s, first,
                                         std::min(group, s.q_len - first), p, scratch.as<float>(), ctx_->stream());
        }
    }

    void gated_activation(const Tensor& gate, const Tensor& up, Activation act, Tensor& out) override {
        ctx_->bind();
        require_f32_device(gate, "gated_activation", "gate");
        require_f32_device(up, "gated_activation", "up");
        require_f32_device(out, "gated_activation", "out");
        require(gate.numel() == up.numel() && out.numel() == gate.numel(), "gated_activation", "sizes differ");
        cuda::gated_activation(gate.f32(), up.f32(), act, out.f32(), gate.numel(), ctx_->stream());
    }

    void add(const Tensor& a, const Tensor& b, Tensor& out) override {
        ctx_->bind();
        require_f32_device(a, "add", "a");
        require_f32_device(b, "add", "b");
        require_f32_device(out, "add", "out");
        require(a.numel() == b.numel() && out.numel() == a.numel(), "add", "sizes differ");
        cuda::add(a.f32(), b.f32(), out.f32(), a.numel(), ctx_->stream());
    }

    // The table is normally a host view in its stored dtype (only the rows used are converted and
    // uploaded, like the CPU backend); an fp32 table already on the GPU is gathered by a kernel.
    void embedding(const Tensor& table, std::span<const std::int32_t> ids, Tensor& out) override {
        ctx_->bind();
        require_f32_device(out, "embedding", "out");
        const std::int64_t d = table.cols(), n = static_cast<std::int64_t>(ids.size());
        require(out.rows() == n && out.cols() == d, "embedding", "out shape");
        for (auto id : ids) require(id >= 0 && id < table.rows(), "embedding", "id out of range");
        if (n == 0) return;
        if (table.device() == Device::cuda) {
            require(table.dtype() == DType::F32, "embedding", "device table is not fp32");
            cuda::DeviceScratch dev_ids(*ctx_, ids.size_bytes());
            check(cudaMemcpyAsync(dev_ids.as<std::int32_t>(), ids.data(), ids.size_bytes(), cudaMemcpyHostToDevice,
                                  ctx_->stream()),
                  "embedding: cudaMemcpyAsync");
            cuda::embedding_rows(table.f32(), dev_ids.as<std::int32_t>(), out.f32(), n, d, ctx_->stream());
            return;
        }
        Tensor rows = Tensor::zeros_host({n, d}, DType::F32);
        const std::span<const std::byte> src(table.bytes(), table.byte_size());
        for (std::int64_t i = 0; i < n; ++i)
            weights::convert_to_f32(table.dtype(), src, static_cast<std::uint64_t>(ids[i]) * static_cast<std::uint64_t>(d),
                                    std::span<float>(rows.f32() + i * d, static_cast<std::size_t>(d)));
        uploader_.upload(rows, out.f32());
    }

    void softmax(Tensor& x) override {
        ctx_->bind();
        require_f32_device(x, "softmax", "x");
        cuda::softmax_rows(x.f32(), x.rows(), x.cols(), ctx_->stream());
    }

    void scale(Tensor& x, float s) override {
        ctx_->bind();
        require_f32_device(x, "scale", "x");
        cuda::scale(x.f32(), s, x.numel(), ctx_->stream());
    }

    void softcap(Tensor& x, float cap) override {
        ctx_->bind();
        require_f32_device(x, "softcap", "x");
        cuda::softcap(x.f32(), cap, x.numel(), ctx_->stream());
    }

    void gather_rows(const Tensor& src, std::span<const std::int64_t> rows, Tensor& dst) override {
        ctx_->bind();
        require_f32_device(src, "gather_rows", "src");
        require_f32_device(dst, "gather_rows", "dst");
        if (dst.rows() != static_cast<std::int64_t>(rows.size()) || dst.cols() != src.cols())
            throw InternalError("gather_rows: dst " + dst.shape_string() + " does not fit " +
                                std::to_string(rows.size()) + " rows of " + src.shape_string());
        for (auto r : rows) require(r >= 0 && r < src.rows(), "gather_rows", "row out of range");
        if (rows.empty()) return;
        cuda::DeviceScratch dev_rows(*ctx_, rows.size_bytes());
        check(cudaMemcpyAsync(dev_rows.as<std::int64_t>(), rows.data(), rows.size_bytes(), cudaMemcpyHostToDevice,
                              ctx_->stream()),
              "gather_rows: cudaMemcpyAsync");
        cuda::gather_rows(src.f32(), dev_rows.as<std::int64_t>(), dst.f32(), static_cast<std::int64_t>(rows.size()),
                          src.cols(), ctx_->stream());
    }

    void add_scaled_rows(const Tensor& src, std::span<const std::int64_t> rows, std::span<const float> scale,
                         Tensor& dst) override {
        ctx_->bind();
        require_f32_device(src, "add_scaled_rows", "src");
        require_f32_device(dst, "add_scaled_rows", "dst");
        if (src.rows() != static_cast<std::int64_t>(rows.size()) || scale.size() != rows.size() ||
            dst.cols() != src.cols())
            throw InternalError("add_scaled_rows: src " + src.shape_string() + ", " + std::to_string(rows.size()) +
                                " rows, dst " + dst.shape_string());
        for (auto r : rows)
            if (r < 0 || r >= dst.rows()) throw InternalError("add_scaled_rows: row out of range");
        if (rows.empty()) return;
        cuda::DeviceScratch dev_rows(*ctx_, rows.size_bytes());
        cuda::DeviceScratch dev_scale(*ctx_, scale.size_bytes());
        check(cudaMemcpyAsync(dev_rows.as<std::int64_t>(), rows.data(), rows.size_bytes(), cudaMemcpyHostToDevice,
                              ctx_->stream()),
              "add_scaled_rows: cudaMemcpyAsync");
        check(cudaMemcpyAsync(dev_scale.as<float>(), scale.data(), scale.size_bytes(), cudaMemcpyHostToDevice,
                              ctx_->stream()),
              "add_scaled_rows: cudaMemcpyAsync");
        cuda::add_scaled_rows(src.f32(), dev_rows.as<std::int64_t>(), dev_scale.as<float>(), dst.f32(),
                              static_cast<std::int64_t>(rows.size()), src.cols(), ctx_->stream());
    }

    void synchronize() override {
        ctx_->bind();
        check(cudaStreamSynchronize(ctx_->stream()), "synchronize (a queued kernel or copy failed)");
    }

private:
    static std::int64_t queries_per_group(const AttentionSequence& s, std::int64_t heads) {
        const std::int64_t per_query = std::max<std::int64_t>(1, heads * s.kv_len) * std::int64_t{sizeof(float)};
        const std::int64_t fit = static_cast<std::int64_t>(kAttentionScratchBytes) / per_query;
        return std::clamp<std::int64_t>(fit, 1, std::max<std::int64_t>(1, s.q_len));
    }

    std::shared_ptr<cuda::DeviceContext> ctx_;
    cuda::StagedUploader uploader_;
    cuda::GemmInput matmul_input_;
    std::string description_;
};

}  // namespace

int cuda_device_count() {
    int count = 0;
    // No driver, no device, or a driver older than the runtime all come back as errors here;
    // each means "no usable device". cudaGetLastError() clears the sticky state it leaves.
    if (cudaGetDeviceCount(&count) != cudaSuccess) {
        cudaGetLastError();
        return 0;
    }
    return count;
}

std::unique_ptr<Backend> make_cuda_backend(int device) {
    const int count = cuda_device_count();
    if (device < 0 || device >= count)
        throw DeviceError("cuda:" + std::to_string(device) + ": no such CUDA device (" + std::to_string(count) +
                          " usable; is the NVIDIA driver installed and a GPU visible, e.g. CUDA_VISIBLE_DEVICES?)");
    cuda::GemmInput input = cuda::GemmInput::f32;
    if (const char* env = std::getenv("LINEAGE_CUDA_MATMUL"); env && *env) {
        const std::string v = env;
        if (v == "bf16")
            input = cuda::GemmInput::bf16;
        else if (v == "fp16")
            input = cuda::GemmInput::f16;
        else if (v != "fp32")
            throw UsageError("LINEAGE_CUDA_MATMUL='" + v + "': expected fp32, bf16 or fp16");
    }
    return std::make_unique<CudaBackend>(device, input);
}

}  // namespace lineage::model
