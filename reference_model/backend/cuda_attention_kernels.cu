// Row softmax and attention on CUDA, written for probe-sized sequences (up to a few thousand
// tokens): clear rather than fast. Mirrors CpuBackend::softmax and CpuBackend::attention
// (eager_attention_forward with repeat_kv): scores = scale * q.k, optional tanh soft-capping, the
// causal / sliding-window mask, softmax in fp32 with the maximum subtracted, then P.v.
//
// Attention: one block per (query, head). The block keeps its query vector in shared memory and
// writes the scores of its visible keys to its own slice of a global scratch buffer (allocated by
// the caller, so sequence length is bounded only by memory). Three phases separated by barriers:
//   1. scores: thread t takes keys first+t, first+t+blockDim, ...; s_j = scale * q.k_j (capped);
//   2. block max, then e_j = exp(s_j - max) in place and the block's sum of e_j;
//   3. thread t takes output dims d = t, t+blockDim, ...: out[d] = sum_j e_j v_j[d] / sum
//      (consecutive threads read consecutive v_j[d], so the v reads are coalesced).
#include <cfloat>

#include "reference_model/backend/cuda_check.cuh"
#include "reference_model/backend/cuda_kernels.cuh"
#include "reference_model/backend/cuda_reduce.cuh"

namespace lineage::model::cuda {

namespace {

constexpr int kAttentionThreads = 128;

// One block per row: max, then exp and sum, then scale (three strided passes over the row).
__global__ void softmax_kernel(float* x, std::int64_t cols) {
    float* row = x + static_cast<std::int64_t>(blockIdx.x) * cols;
    float mx = -FLT_MAX;
    for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x) mx = fmaxf(mx, row[j]);
    mx = block_max(mx);
    float sum = 0.0f;
    for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x) {
        const float e = expf(row[j] - mx);
        row[j] = e;
        sum += e;
    }
    const float inv = 1.0f / block_sum(sum);
    for (std::int64_t j = threadIdx.x; j < cols; j += blockDim.x) row[j] *= inv;
}

struct AttentionArgs {
    const float* q;
    const float* k;
    const float* v;
    float* out;
    float* scratch;           // [q_count, H, kv_len]
    std::int64_t q_row0;      // first query row of this launch in q/out (s.q_begin + q_first)
    std::int64_t q_index0;    // index of that query within the sequence (q_first)
    std::int64_t q_len, kv_begin, kv_len;
    std::int64_t heads, kv_heads, head_dim, window;
    float scale, softcap;
};

// blockIdx.x = query within this launch, blockIdx.y = head. Dynamic shared memory: head_dim floats.
__global__ void attention_kernel(AttentionArgs a) {
    extern __shared__ float qs[];
    const std::int64_t qi = blockIdx.x, h = blockIdx.y;
    const std::int64_t g = h / (a.heads / a.kv_heads);  // the key/value head this query head reads
    const std::int64_t hd = a.head_dim;
    const std::int64_t ldq = a.heads * hd, ldkv = a.kv_heads * hd;
    const std::int64_t row = a.q_row0 + qi;
    // Query i of the sequence sits at key position kv_len - q_len + i and sees keys first..pos.
    const std::int64_t pos = a.kv_len - a.q_len + a.q_index0 + qi;
    const std::int64_t first = a.window > 0 ? max(static_cast<std::int64_t>(0), pos - a.window + 1) : 0;
    const float* qh = a.q + row * ldq + h * hd;
    const float* kh = a.k + a.kv_begin * ldkv + g * hd;  // key j of this head: kh + j * ldkv
    const float* vh = a.v + a.kv_begin * ldkv + g * hd;
    float* sc = a.scratch + (qi * a.heads + h) * a.kv_len;  // this block's scores, indexed by key j

    for (std::int64_t d = threadIdx.x; d < hd; d += blockDim.x) qs[d] = qh[d];
    __syncthreads();

    // 1. scores (and their maximum)
    float mx = -FLT_MAX;
    for (std::int64_t j = first + threadIdx.x; j <= pos; j += blockDim.x) {
        const float* kj = kh + j * ldkv;
        float dot = 0.0f;
        for (std::int64_t d = 0; d < hd; ++d) dot += qs[d] * kj[d];
        float s = dot * a.scale;
        if (a.softcap > 0.0f) s = a.softcap * tanhf(s / a.softcap);
        sc[j] = s;
        mx = fmaxf(mx, s);
    }
    mx = block_max(mx);

    // 2. exponentials and their sum (each thread rewrites only the scores it wrote)
    float sum = 0.0f;
    for (std::int64_t j = first + threadIdx.x; j <= pos; j += blockDim.x) {
        const float e = expf(sc[j] - mx);
        sc[j] = e;
        sum += e;
    }
    const float inv = 1.0f / block_sum(sum);  // contains the barrier that publishes sc[] to all threads

    // 3. out = P.v, one output dimension per thread
    float* oh = a.out + row * ldq + h * hd;
    for (std::int64_t d = threadIdx.x; d < hd; d += blockDim.x) {
        float acc = 0.0f;
        for (std::int64_t j = first; j <= pos; ++j) acc += sc[j] * vh[j * ldkv + d];
        oh[d] = acc * inv;
    }
}

}  // namespace

void softmax_rows(float* x, std::int64_t rows, std::int64_t cols, cudaStream_t stream) {
    if (rows == 0 || cols == 0) return;
    softmax_kernel<<<static_cast<unsigned>(rows), kRowThreads, 0, stream>>>(x, cols);
    check_launch("softmax_kernel");
}

void attention_sequence(const float* q, const float* k, const float* v, float* out, const AttentionSequence& s,
                        std::int64_t q_first, std::int64_t q_count, const AttentionParams& p, float* scratch,
                        cudaStream_t stream) {
    if (q_count == 0 || p.num_heads == 0) return;
    AttentionArgs a{q, k, v, out, scratch, s.q_begin + q_first, q_first, s.q_len, s.kv_begin, s.kv_len,
                    p.num_heads, p.num_kv_heads, p.head_dim, p.sliding_window, p.scale, p.softcap};
    const dim3 grid(static_cast<unsigned>(q_count), static_cast<unsigned>(p.num_heads));
    const std::size_t shared = static_cast<std::size_t>(p.head_dim) * sizeof(float);
    attention_kernel<<<grid, kAttentionThreads, shared, stream>>>(a);
    check_launch("attention_kernel");
}

}  // namespace lineage::model::cuda
