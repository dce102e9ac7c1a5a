// A model's activation signature, for registries that fingerprint many models once and compare
// them later without running either again: on the bundled probe corpus, the centred Gram matrix of
// every hidden layer (0 = embeddings .. L) over a fixed sample of "points". A point is a (text,
// byte offset) pair, not a token position, so two models with different tokenizers still compare:
//   - candidates: the ends of tokens that close a word (the next byte of the text is a space, a
//     newline or the end of the text; nearly every tokenizer has a boundary there), after the
//     rule's leading positions (attention sinks) and within max_tokens_per_text tokens;
//   - the sample: candidates ranked by a hash of (text, offset) alone (not by tokenizer), first n
//     kept, so two models' samples overlap wherever both tokenizers end a token there.
// compare_signatures takes the points both signatures hold, cuts each Gram matrix to them (a
// submatrix of a centred Gram, centred again, is the centred Gram of the subset) and returns the
// layer x layer debiased/linear CKA, the monotone layer alignment and its peak, the figures
// `lineage probe` decides "derived" on (without the probe's shuffled nulls or output agreement).
// Memory: n^2 floats per layer (n = 512: 1 MiB); computing one runs the layer-streaming forward.
//
// File format (write_signature / read_signature): "LNGASIG1", u64 header length, the header as
// JSON (model info, corpus sha256, n, layers, points), then layers x n x n float32, little-endian.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "probes/activation/gram_cka.h"
#include "probes/activation/probe_corpus.h"

namespace lineage::probes::activation {

struct SignaturePoint {
    std::int32_t text = 0;       // index into the corpus
    std::int64_t byte_end = 0;   // the point's text ends here (exclusive offset)
    bool operator==(const SignaturePoint&) const = default;
};

struct ActivationSignature {
    std::string model_path, architecture, tokenizer_sha256, corpus_sha256;
    std::int64_t layers = 0, hidden = 0;  // layers: transformer blocks (grams has layers + 1)
    std::vector<SignaturePoint> points;  // in sample order; n = points.size()
    std::vector<MatrixF> grams;          // (n, n) centred Gram per hidden layer 0..layers
};

struct SignatureOptions {
    std::int64_t points = 512;            // n
    std::int64_t max_tokens_per_text = 128;
    std::int32_t skip_leading_positions = 1;
    std::string device = "cpu";           // auto | cpu | cuda
};

// Runs the model (a folder with weights and tokenizer) over `corpus`. Throws what opening,
// tokenising or the forward throws; InputError when fewer than 16 points are found.
ActivationSignature compute_signature(const std::string& model, const ProbeCorpus& corpus,
                                      const SignatureOptions& options = {});

struct SignatureComparison {
    std::int64_t shared_points = 0;       // the n of the CKA figures
    std::int64_t rows = 0, cols = 0;      // A layers + 1, B layers + 1
    std::vector<double> cka_debiased, cka_linear;  // row-major (A layer, B layer)
    std::vector<std::int32_t> b_to_a;     // monotone alignment, -1 = unmatched
    double peak_cka = 0.0;                // max debiased CKA along the alignment
    double mean_cka = 0.0;                // mean along the alignment (unmatched layers count 0)
};

// InputError when the signatures were taken on different corpora or share fewer than 16 points.
SignatureComparison compare_signatures(const ActivationSignature& a, const ActivationSignature& b,
                                       double alignment_min_cka = 0.1);

void write_signature(const ActivationSignature& s, const std::string& path);
// Throws InputError naming the file on a bad magic, header or size.
ActivationSignature read_signature(const std::string& path);

}  // namespace lineage::probes::activation
