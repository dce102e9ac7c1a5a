// Tokenizer fingerprinting benchmark (issue 6): time to load a tokenizer.json into a Vocabulary
// (parse, byte-level decoding, merges as ids) and fingerprint it against a reference vocabulary
// loaded beforehand (token mapping, LIS, offsets, blocks, canonical merges of both sides, merge
// order) -- the work `lineage tokenizer` does per file, without the behaviour hash. In the same
// run it starts the Python peer (bench/tokenizer_fingerprint_peer.py: Hugging Face `tokenizers`
// Tokenizer.from_file on the same file) and prints both. The machine may be shared, so it prints
// process CPU time beside wall time, the minimum and the median over the repeats, the load average
// and the page faults (on a virtual machine a fresh page costs about as much as hashing a token),
// and a breakdown by phase (parse of the file, reduction to raw bytes, token mapping, the rest of
// the comparison) from separate timed calls.
//
// usage: bench_tokenizer_fingerprint [TOKENIZER [REFERENCE [REPEATS]]]
//   defaults: /work/shared/testdata/tokenizers/qwen3 and .../cl100k, 7 repeats
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "probes/tokenizer/token_mapping.h"
#include "probes/tokenizer/tokenizer_comparison.h"
#include "probes/tokenizer/tokenizer_relation.h"
#include "reference_model/tokenizer/formats/load_vocabulary.h"
#include "reference_model/tokenizer/formats/vocabulary_readers.h"
#include "reference_model/tokenizer/tokenizer_json.h"

namespace {

double now_ms() {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
double cpu_ms() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}
long minor_faults() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_minflt;
}
std::string load_average() {
    std::ifstream in("/proc/loadavg");
    std::string a, b, c;
    in >> a >> b >> c;
    return a + " " + b + " " + c;
}

// Wall, CPU and page faults of repeated runs of one step.
struct Samples {
    std::vector<double> wall, cpu, faults;
    template <class F>
    void time(F&& step) {
        const double w0 = now_ms(), c0 = cpu_ms();
        const long f0 = minor_faults();
        step();
        wall.push_back(now_ms() - w0);
        cpu.push_back(cpu_ms() - c0);
        faults.push_back(static_cast<double>(minor_faults() - f0));
    }
};
double min_of(std::vector<double> v) { return *std::min_element(v.begin(), v.end()); }
double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}
void print(const char* what, const Samples& s) {
    std::printf("lineage    %-26s CPU min %6.1f / median %6.1f ms   wall min %6.1f / median %6.1f ms   %6.0f page faults\n",
                what, min_of(s.cpu), median(s.cpu), min_of(s.wall), median(s.wall), median(s.faults));
}

}  // namespace

int main(int argc, char** argv) {
    using namespace lineage;
    std::string dir = "/work/shared/testdata/tokenizers/";
    std::string file = argc > 1 ? argv[1] : dir + "qwen3/tokenizer.json";
    std::string reference = argc > 2 ? argv[2] : dir + "cl100k/tokenizer.json";
    int repeats = argc > 3 ? std::max(1, std::atoi(argv[3])) : 7;
    try {
        std::printf("load average at start: %s\n", load_average().c_str());
        model::Vocabulary ref = model::load_vocabulary(reference);
        Samples load, total, parse, reduce, digest, mapping, compare;
        std::string relation;
        std::size_t tokens = 0;
        for (int r = 0; r < repeats; ++r) {
            // The measured path, end to end, as `lineage tokenizer` runs it.
            total.time([&] {
                model::Vocabulary v;
                load.time([&] { v = model::load_vocabulary(file); });
                auto c = probes::compare_vocabularies(ref, v);
                relation = std::string(probes::relation_name(probes::classify_relation(c).relation));
                tokens = v.comparable_count();
            });
        }
        const bool is_json = model::resolve_tokenizer_file(file).extension() == ".json";
        for (int r = 0; r < repeats && is_json; ++r) {
            // Phases, each timed on its own (their sum is close to the total, not equal to it).
            model::TokenizerJson tj;
            parse.time([&] { tj = model::TokenizerJson::load(model::resolve_tokenizer_file(file)); });
            model::Vocabulary v;
            reduce.time([&] { v = model::vocabulary_from_tokenizer_json(tj); });
            digest.time([&] { v.sha256 = model::file_sha256(model::resolve_tokenizer_file(file).string()); });
            mapping.time([&] { (void)probes::map_shared_tokens(ref, v); });
            compare.time([&] { (void)probes::compare_vocabularies(ref, v); });
        }
        std::printf("file       %s (%zu ordinary tokens)\nreference  %s\nrepeats    %d\n", file.c_str(), tokens,
                    reference.c_str(), repeats);
        print("load_vocabulary", load);
        print("load + fingerprint", total);
        std::printf("           -> relation %s\n", relation.c_str());
        if (is_json) {
            print("  phase: parse file", parse);
            print("  phase: reduce to bytes", reduce);
            print("  phase: sha256 of the file", digest);
            print("  phase: token mapping", mapping);
            print("  phase: compare (all)", compare);
        }
        std::fflush(stdout);
        // __FILE__ may be relative to the build folder; fall back to the working directory's bench/.
        std::filesystem::path script = std::filesystem::path(__FILE__).parent_path() / "tokenizer_fingerprint_peer.py";
        if (!std::filesystem::exists(script)) script = "bench/tokenizer_fingerprint_peer.py";
        std::string peer = "python3 '" + script.string() + "' '" + file + "' " + std::to_string(repeats);
        if (std::system(peer.c_str()) != 0) std::printf("peer      (tokenizers not available)\n");
        std::printf("load average at end: %s\n", load_average().c_str());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_tokenizer_fingerprint: %s\n", e.what());
        return 1;
    }
    return 0;
}
