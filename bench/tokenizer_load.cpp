// Tokenizer benchmark (issues 3 and 6): time to load + build the tokenizer from a tokenizer.json,
// and encode throughput on a text file, for Lineage's tokenizer. bench/run_tokenizer_bench.sh runs
// this beside the Python peer (bench/tokenizer_load_peer.py, Hugging Face `tokenizers`) on the same
// files and prints both.
//
// usage: bench_tokenizer_load TOKENIZER_JSON_OR_FOLDER TEXT_FILE [REPEATS]
// The text file is encoded line by line (one encode call per line, add_special_tokens=false),
// after one warm-up pass that also fills the word cache, as the peer does.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "reference_model/tokenizer/tokenizer.h"
#include "reference_model/tokenizer/tokenizer_json.h"

namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// CPU time of this process: on a shared, busy machine it is steadier than wall time.
double cpu_ms() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s TOKENIZER_JSON_OR_FOLDER TEXT_FILE [REPEATS]\n", argv[0]);
        return 2;
    }
    int repeats = argc > 3 ? std::max(1, std::atoi(argv[3])) : 5;
    try {
        std::filesystem::path file = argv[1];
        if (std::filesystem::is_directory(file)) file /= "tokenizer.json";
        std::vector<double> parse_ms, load_ms, load_cpu_ms;
        std::size_t vocab = 0;
        for (int r = 0; r < repeats; ++r) {
            auto t0 = std::chrono::steady_clock::now();
            auto json = lineage::model::TokenizerJson::load(file);
            parse_ms.push_back(ms_since(t0));
            t0 = std::chrono::steady_clock::now();
            double c0 = cpu_ms();
            auto tok = lineage::model::Tokenizer::load(argv[1]);
            load_cpu_ms.push_back(cpu_ms() - c0);
            load_ms.push_back(ms_since(t0));
            vocab = tok.vocab_size();
        }
        std::sort(parse_ms.begin(), parse_ms.end());
        std::sort(load_ms.begin(), load_ms.end());
        std::sort(load_cpu_ms.begin(), load_cpu_ms.end());
        auto tok = lineage::model::Tokenizer::load(argv[1]);

        std::ifstream in(argv[2], std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        std::string text = ss.str();
        std::vector<std::string_view> lines;
        for (std::size_t s = 0; s < text.size();) {
            std::size_t e = text.find('\n', s);
            if (e == std::string::npos) e = text.size();
            lines.push_back(std::string_view(text).substr(s, e - s + (e < text.size() ? 1 : 0)));
            s = e + 1;
        }
        std::size_t tokens = 0;
        for (auto line : lines) tokens += tok.encode(line, false).size();  // warm-up
        auto t0 = std::chrono::steady_clock::now();
        double c0 = cpu_ms();
        for (auto line : lines) tokens += tok.encode(line, false).size();
        double encode_cpu_ms = cpu_ms() - c0;
        double encode_ms = ms_since(t0);
        c0 = cpu_ms();
        std::size_t whole_tokens = tok.encode(text, false).size();  // one call over the whole text
        double whole_cpu_ms = cpu_ms() - c0;
        std::printf("lineage    load+build %7.1f ms wall, %7.1f ms CPU (medians of %d; parse only %.1f ms wall)  vocab %zu\n",
                    load_ms[load_ms.size() / 2], load_cpu_ms[load_cpu_ms.size() / 2], repeats,
                    parse_ms[parse_ms.size() / 2], vocab);
        std::printf("lineage    encode     %7.2f MB/s wall, %7.2f MB/s CPU  (%zu bytes, %zu lines, %zu tokens)\n",
                    text.size() / 1e6 / (encode_ms / 1e3), text.size() / 1e6 / (encode_cpu_ms / 1e3), text.size(),
                    lines.size(), tokens / 2);
        std::printf("lineage    encode     %7.2f MB/s CPU as one call over the whole text (%zu tokens)\n",
                    text.size() / 1e6 / (whole_cpu_ms / 1e3), whole_tokens);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_tokenizer_load: %s\n", e.what());
        return 3;
    }
    return 0;
}
