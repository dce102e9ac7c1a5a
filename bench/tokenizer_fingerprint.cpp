// Tokenizer fingerprinting benchmark (issue 6): time to load a tokenizer.json into a Vocabulary
// (parse, byte-level decoding, merges as ids) and fingerprint it against a reference vocabulary
// loaded beforehand (token mapping, LIS, offsets, blocks, canonical merges of both sides, merge
// order) -- the work `lineage tokenizer` does per file, without the behaviour hash. In the same
// run it starts the Python peer (bench/tokenizer_fingerprint_peer.py: Hugging Face `tokenizers`
// Tokenizer.from_file on the same file) and prints both; wall and process-CPU medians, since the
// machine may be shared.
//
// usage: bench_tokenizer_fingerprint [TOKENIZER [REFERENCE [REPEATS]]]
//   defaults: /work/shared/testdata/tokenizers/qwen3 and .../cl100k, 7 repeats
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "probes/tokenizer/tokenizer_comparison.h"
#include "probes/tokenizer/tokenizer_relation.h"
#include "reference_model/tokenizer/formats/canonical_merges.h"
#include "reference_model/tokenizer/formats/load_vocabulary.h"

namespace {

double now_ms() {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
double cpu_ms() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}
double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    std::string dir = "/work/shared/testdata/tokenizers/";
    std::string file = argc > 1 ? argv[1] : dir + "qwen3/tokenizer.json";
    std::string reference = argc > 2 ? argv[2] : dir + "cl100k/tokenizer.json";
    int repeats = argc > 3 ? std::max(1, std::atoi(argv[3])) : 7;
    try {
        lineage::model::Vocabulary ref = lineage::model::load_vocabulary(reference);
        std::vector<double> load_wall, load_cpu, total_wall, total_cpu;
        std::string relation;
        std::size_t tokens = 0;
        for (int r = 0; r < repeats; ++r) {
            double w0 = now_ms(), c0 = cpu_ms();
            lineage::model::Vocabulary v = lineage::model::load_vocabulary(file);
            load_wall.push_back(now_ms() - w0);
            load_cpu.push_back(cpu_ms() - c0);
            auto c = lineage::probes::compare_vocabularies(ref, v);
            relation = std::string(lineage::probes::relation_name(lineage::probes::classify_relation(c).relation));
            total_wall.push_back(now_ms() - w0);
            total_cpu.push_back(cpu_ms() - c0);
            tokens = v.comparable_count();
        }
        std::printf("file       %s (%zu ordinary tokens)\nreference  %s\n", file.c_str(), tokens, reference.c_str());
        std::printf("lineage    load_vocabulary          %7.1f ms wall, %7.1f ms CPU (medians of %d)\n",
                    median(load_wall), median(load_cpu), repeats);
        std::printf("lineage    load + fingerprint       %7.1f ms wall, %7.1f ms CPU  -> relation %s\n",
                    median(total_wall), median(total_cpu), relation.c_str());
        std::fflush(stdout);
        // __FILE__ may be relative to the build folder; fall back to the working directory's bench/.
        std::filesystem::path script = std::filesystem::path(__FILE__).parent_path() / "tokenizer_fingerprint_peer.py";
        if (!std::filesystem::exists(script)) script = "bench/tokenizer_fingerprint_peer.py";
        std::string peer = "python3 '" + script.string() + "' '" + file + "' " + std::to_string(repeats);
        if (std::system(peer.c_str()) != 0) std::printf("peer      (tokenizers not available)\n");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_tokenizer_fingerprint: %s\n", e.what());
        return 1;
    }
    return 0;
}
