// Activation signatures (see activation_signature.h): computing one with the probe's model pass,
// comparing two over their shared points, and the binary file.
#include "probes/activation/activation_signature.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <unordered_map>

#include "probes/activation/byte_alignment.h"
#include "probes/activation/model_pass.h"
#include "probes/stats/layer_alignment.h"
#include "reference_model/backend/backend.h"
#include "reference_model/model/transformer.h"
#include "reference_model/tokenizer/formats/load_vocabulary.h"
#include "reference_model/tokenizer/tokenizer.h"
#include "weights/checkpoint.h"
#include "weights/core/error.h"
#include "weights/core/json_value.h"

namespace lineage::probes::activation {
namespace {

constexpr char kMagic[8] = {'L', 'N', 'G', 'A', 'S', 'I', 'G', '1'};
constexpr std::int64_t kMinPoints = 16;

// The rank of a point in every model's sample: a hash of the point alone (splitmix64).
std::uint64_t point_rank(const SignaturePoint& p) {
    std::uint64_t x = (static_cast<std::uint64_t>(p.text) << 40) ^ static_cast<std::uint64_t>(p.byte_end) ^ 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

bool closes_word(const std::string& text, std::int64_t end) {
    if (end <= 0 || end > static_cast<std::int64_t>(text.size())) return false;
    if (end == static_cast<std::int64_t>(text.size())) return true;
    const char c = text[static_cast<std::size_t>(end)];
    return c == ' ' || c == '\n' || c == '\t';
}

}  // namespace

ActivationSignature compute_signature(const std::string& model_path, const ProbeCorpus& corpus,
                                      const SignatureOptions& options) {
    const auto backend = model::make_backend(options.device);
    const auto checkpoint = weights::Checkpoint::open(model_path);
    model::Transformer transformer(checkpoint, *backend);
    const model::Tokenizer tokenizer = model::Tokenizer::load(checkpoint.root());
    const model::Vocabulary vocab = model::load_vocabulary(checkpoint.root());
    const std::int64_t max_pos = transformer.dims().max_positions;
    const std::int64_t cut = max_pos > 0 ? std::min(options.max_tokens_per_text, max_pos) : options.max_tokens_per_text;

    struct Candidate {
        SignaturePoint point;
        std::int32_t position;
        std::uint64_t rank;
    };
    std::vector<Candidate> candidates;
    std::vector<std::vector<std::int32_t>> encoded(corpus.texts.size());
    for (std::size_t t = 0; t < corpus.texts.size(); ++t) {
        const std::string& text = corpus.texts[t];
        encoded[t] = tokenizer.encode(text, true);
        if (static_cast<std::int64_t>(encoded[t].size()) > cut) encoded[t].resize(static_cast<std::size_t>(cut));
        const TokenSpans spans = token_byte_spans(encoded[t], vocab, text);
        if (!spans.matches_text) continue;  // a normaliser changed the text: offsets do not compare
        for (std::size_t i = static_cast<std::size_t>(std::max(0, options.skip_leading_positions)); i < spans.end.size(); ++i)
            if (closes_word(text, spans.end[i])) {
                const SignaturePoint p{static_cast<std::int32_t>(t), spans.end[i]};
                candidates.push_back({p, static_cast<std::int32_t>(i), point_rank(p)});
            }
    }
    if (static_cast<std::int64_t>(candidates.size()) < kMinPoints)
        throw InputError(model_path, "activation signature: only " + std::to_string(candidates.size()) +
                                         " word-end points in the corpus (16 needed)");
    std::sort(candidates.begin(), candidates.end(), [](const Candidate& x, const Candidate& y) {
        return x.rank != y.rank ? x.rank < y.rank : std::pair(x.point.text, x.point.byte_end) < std::pair(y.point.text, y.point.byte_end);
    });
    if (static_cast<std::int64_t>(candidates.size()) > options.points) candidates.resize(static_cast<std::size_t>(options.points));

    // Plan: each text holding points, cut after its last point; rows in sample order.
    std::vector<std::pair<std::int32_t, std::int32_t>> points;
    points.reserve(candidates.size());
    for (const auto& c : candidates) points.emplace_back(c.point.text, c.position);
    PassPlan plan = plan_points(encoded, points);
    ActivationSignature s;
    for (const auto& c : candidates) s.points.push_back(c.point);
    const PassOutput out = run_model_pass(checkpoint, transformer, *backend, plan,
                                          [&](std::int64_t, GramSide&& g) { s.grams.push_back(std::move(g.kc)); });
    s.model_path = model_path;
    s.architecture = out.side.architecture;
    s.tokenizer_sha256 = vocab.sha256;
    s.corpus_sha256 = corpus.sha256;
    s.layers = out.side.layers;
    s.hidden = out.side.hidden;
    return s;
}

SignatureComparison compare_signatures(const ActivationSignature& a, const ActivationSignature& b,
                                       double alignment_min_cka) {
    if (a.corpus_sha256 != b.corpus_sha256)
        throw InputError(b.model_path, "activation signatures taken on different corpora");
    std::unordered_map<std::uint64_t, std::int64_t> index_b;
    auto key = [](const SignaturePoint& p) { return (static_cast<std::uint64_t>(p.text) << 40) | static_cast<std::uint64_t>(p.byte_end); };
    for (std::size_t i = 0; i < b.points.size(); ++i) index_b.emplace(key(b.points[i]), static_cast<std::int64_t>(i));
    std::vector<std::int64_t> ia, ib;
    for (std::size_t i = 0; i < a.points.size(); ++i)
        if (auto it = index_b.find(key(a.points[i])); it != index_b.end()) {
            ia.push_back(static_cast<std::int64_t>(i));
            ib.push_back(it->second);
        }
    SignatureComparison c;
    c.shared_points = static_cast<std::int64_t>(ia.size());
    if (c.shared_points < kMinPoints)
        throw InputError(b.model_path, "activation signatures share only " + std::to_string(c.shared_points) +
                                           " points (16 needed): the tokenizers cut the corpus too differently");
    auto side = [](const MatrixF& kc, const std::vector<std::int64_t>& idx) {
        const auto n = static_cast<Eigen::Index>(idx.size());
        MatrixF sub(n, n);
        for (Eigen::Index i = 0; i < n; ++i)
            for (Eigen::Index j = 0; j < n; ++j) sub(i, j) = kc(idx[static_cast<std::size_t>(i)], idx[static_cast<std::size_t>(j)]);
        return gram_side_from_gram(std::move(sub));  // centred again over the subset
    };
    std::vector<GramSide> sides_a;
    for (const auto& g : a.grams) sides_a.push_back(side(g, ia));
    c.rows = static_cast<std::int64_t>(a.grams.size());
    c.cols = static_cast<std::int64_t>(b.grams.size());
    c.cka_debiased.assign(static_cast<std::size_t>(c.rows * c.cols), 0.0);
    c.cka_linear = c.cka_debiased;
    for (std::int64_t lb = 0; lb < c.cols; ++lb) {
        const GramSide sb = side(b.grams[static_cast<std::size_t>(lb)], ib);
        for (std::int64_t la = 0; la < c.rows; ++la) {
            const CkaPair p = cka_from_grams(sides_a[static_cast<std::size_t>(la)], sb);
            c.cka_debiased[static_cast<std::size_t>(la * c.cols + lb)] = p.debiased;
            c.cka_linear[static_cast<std::size_t>(la * c.cols + lb)] = p.linear;
        }
    }
    c.b_to_a = stats::monotone_alignment(c.cka_debiased, c.rows, c.cols, alignment_min_cka).b_to_a;
    double sum = 0;
    for (std::int64_t lb = 0; lb < c.cols; ++lb) {
        const std::int32_t la = c.b_to_a[static_cast<std::size_t>(lb)];
        const double v = la >= 0 ? c.cka_debiased[static_cast<std::size_t>(la * c.cols + lb)] : 0.0;
        c.peak_cka = std::max(c.peak_cka, v);
        sum += v;
    }
    c.mean_cka = c.cols > 0 ? sum / static_cast<double>(c.cols) : 0.0;
    return c;
}

void write_signature(const ActivationSignature& s, const std::string& path) {
    JsonValue h = JsonValue::object();
    h.set("model_path", s.model_path);
    h.set("architecture", s.architecture);
    h.set("tokenizer_sha256", s.tokenizer_sha256);
    h.set("corpus_sha256", s.corpus_sha256);
    h.set("layers", s.layers);
    h.set("hidden", s.hidden);
    h.set("n", static_cast<std::int64_t>(s.points.size()));
    JsonValue pts = JsonValue::array();
    for (const auto& p : s.points) {
        JsonValue e = JsonValue::array();
        e.push(static_cast<std::int64_t>(p.text));
        e.push(p.byte_end);
        pts.push(std::move(e));
    }
    h.set("points", std::move(pts));
    const std::string header = h.dump();
    std::ofstream out(path, std::ios::binary);
    if (!out) throw InputError(path, "cannot write the activation signature");
    const std::uint64_t len = header.size();
    out.write(kMagic, sizeof kMagic);
    out.write(reinterpret_cast<const char*>(&len), sizeof len);  // little-endian hosts only (x86-64, aarch64)
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    for (const auto& g : s.grams) out.write(reinterpret_cast<const char*>(g.data()), static_cast<std::streamsize>(g.size() * sizeof(float)));
    if (!out) throw InputError(path, "write failed");
}

ActivationSignature read_signature(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(path, "cannot read the activation signature");
    char magic[8] = {};
    std::uint64_t len = 0;
    in.read(magic, sizeof magic);
    in.read(reinterpret_cast<char*>(&len), sizeof len);
    if (!in || std::memcmp(magic, kMagic, sizeof kMagic) != 0) throw InputError(path, "not an activation signature (bad magic)");
    if (len > (64u << 20)) throw InputError(path, "activation signature header too large");
    std::string header(len, '\0');
    in.read(header.data(), static_cast<std::streamsize>(len));
    if (!in) throw InputError(path, "truncated header");
    const JsonValue h = JsonValue::parse(header, path);
    auto str = [&](const char* k) {
        const JsonValue* v = h.find(k);
        if (!v || !v->is_string()) throw InputError(path, std::string("header field '") + k + "' missing");
        return v->as_string();
    };
    auto num = [&](const char* k) {
        const JsonValue* v = h.find(k);
        if (!v || !v->is_number()) throw InputError(path, std::string("header field '") + k + "' missing");
        return v->as_int();
    };
    ActivationSignature s;
    s.model_path = str("model_path");
    s.architecture = str("architecture");
    s.tokenizer_sha256 = str("tokenizer_sha256");
    s.corpus_sha256 = str("corpus_sha256");
    s.layers = num("layers");
    s.hidden = num("hidden");
    const std::int64_t n = num("n");
    const JsonValue* pts = h.find("points");
    if (n < 0 || s.layers < 0 || s.layers > 4096 || !pts || !pts->is_array() || static_cast<std::int64_t>(pts->as_array().size()) != n)
        throw InputError(path, "header: points do not match n");
    for (const auto& e : pts->as_array()) {
        if (!e.is_array() || e.as_array().size() != 2) throw InputError(path, "header: a point is not [text, byte_end]");
        s.points.push_back({static_cast<std::int32_t>(e.as_array()[0].as_int()), e.as_array()[1].as_int()});
    }
    for (std::int64_t l = 0; l <= s.layers; ++l) {
        MatrixF g(n, n);
        in.read(reinterpret_cast<char*>(g.data()), static_cast<std::streamsize>(g.size() * sizeof(float)));
        if (!in) throw InputError(path, "truncated: layer " + std::to_string(l) + " of " + std::to_string(s.layers + 1));
        s.grams.push_back(std::move(g));
    }
    return s;
}

}  // namespace lineage::probes::activation
