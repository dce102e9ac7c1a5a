// Screening cost: one candidate against every fingerprint of a registry, beside the cost of
// reading the candidate once (every tensor converted to fp32, page cache warm: the best of
// `repeats` runs of each). Screening = the candidate's one summary pass (digests, row MinHash,
// moments) + per entry: anchor map, sketch (cached per projection), the weight probe on the
// sketches without positive controls (the audit adds them) and with them.
// Usage: bench_registry_screen CANDIDATE REGISTRY.h5 [repeats]
// Prints one line per figure and the ratio the issue bounds (screen / read once).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "audit/registry/registry_file.h"
#include "probes/fingerprint/screen.h"
#include "probes/weights/compare.h"
#include "probes/weights/model_view.h"

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: bench_registry_screen CANDIDATE REGISTRY.h5 [repeats]\n");
        return 2;
    }
    const std::string candidate = argv[1], registry = argv[2];
    const int repeats = argc > 3 ? std::max(1, std::atoi(argv[3])) : 3;
    namespace pw = lineage::probes::weights;
    namespace fpr = lineage::probes::fingerprint;

    std::vector<fpr::Fingerprint> fps;
    for (const auto& e : lineage::audit::registry::list_entries(registry))
        fps.push_back(lineage::audit::registry::read_entry(registry, e.name));

    double read_once = 1e300, screen_no_controls = 1e300, screen_controls = 1e300, summary = 0;
    std::int64_t params = 0;
    int derived = 0;
    for (int r = 0; r < repeats; ++r) {
        auto t0 = std::chrono::steady_clock::now();
        {
            const pw::CheckpointView view(candidate);
            double sink = 0;
            params = 0;
            for (const auto& t : view.tensors()) {
                const auto m = view.read(t);
                sink += m.size() ? m.data()[0] : 0.0f;
                params += t.elements();
            }
            if (sink == 12345.678) std::puts("");
        }
        read_once = std::min(read_once, seconds_since(t0));
        for (bool controls : {false, true}) {
            pw::CompareOptions o;
            o.rule = pw::default_verdict_rule();
            o.run_controls = controls;
            t0 = std::chrono::steady_clock::now();
            fpr::CandidateScreen screen(candidate);
            summary = screen.summary_seconds();
            derived = 0;
            for (const auto& fp : fps)
                derived += screen.compare(fp, o).result.verdict == pw::Verdict::derived;
            (controls ? screen_controls : screen_no_controls) =
                std::min(controls ? screen_controls : screen_no_controls, seconds_since(t0));
        }
    }
    std::printf("candidate %s: %lld parameters; registry %s: %zu fingerprints\n", candidate.c_str(),
                static_cast<long long>(params), registry.c_str(), fps.size());
    std::printf("read once (fp32, warm)        %8.3f s\n", read_once);
    std::printf("summary pass                  %8.3f s\n", summary);
    std::printf("screen, no controls           %8.3f s  = %.2fx read once  (%.4f s per fingerprint)\n",
                screen_no_controls, screen_no_controls / read_once,
                (screen_no_controls - summary) / std::max<std::size_t>(1, fps.size()));
    std::printf("screen, with controls (audit) %8.3f s  = %.2fx read once\n", screen_controls,
                screen_controls / read_once);
    std::printf("derived verdicts              %d of %zu\n", derived, fps.size());
    return 0;
}
