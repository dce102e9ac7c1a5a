// Screening cost: one candidate against every fingerprint of a registry, beside the cost of
// reading the candidate once (every tensor converted to fp32, page cache warm: the best of
// `repeats` runs of each). Screening = the candidate's one reading pass (candidate_summary.h) +
// per entry the quick stage, and the full sketch probe with positive controls (as the audit runs
// it) for the entries the quick stage did not clear. Wall and process CPU time (user + system) of
// each; the machine may be shared, so CPU time says what the work cost.
// Usage: bench_registry_screen CANDIDATE REGISTRY.h5 [repeats] [--full] [--quick-only]
//   --full        also times the single-stage screen (the full sketch probe on every entry, no controls)
//   --quick-only  the quick stage alone (entries it sends on are counted, not probed)
// Prints one line per figure, the ratio the issue bounds (screen / read once), and one line per
// entry (quick-stage verdict, its statistics, and the final verdict).
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "audit/registry/registry_file.h"
#include "probes/fingerprint/screen.h"
#include "probes/weights/compare.h"
#include "probes/weights/model_view.h"

namespace {

struct Clock {
    std::chrono::steady_clock::time_point wall = std::chrono::steady_clock::now();
    double cpu = cpu_now();
    static double cpu_now() {
        rusage u{};
        getrusage(RUSAGE_SELF, &u);
        return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
               1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
    }
    double wall_s() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - wall).count(); }
    double cpu_s() const { return cpu_now() - cpu; }
};

struct Figure {
    double wall = 1e300, cpu = 1e300;
    void keep(const Clock& c) { wall = std::min(wall, c.wall_s()), cpu = std::min(cpu, c.cpu_s()); }
};

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: bench_registry_screen CANDIDATE REGISTRY.h5 [repeats] [--full]\n");
        return 2;
    }
    const std::string candidate = argv[1], registry = argv[2];
    int repeats = 3;
    bool single_stage = false, quick_only = false;
    for (int i = 3; i < argc; ++i) {
        if (std::strcmp(argv[i], "--full") == 0) single_stage = true;
        else if (std::strcmp(argv[i], "--quick-only") == 0) quick_only = true;
        else repeats = std::max(1, std::atoi(argv[i]));
    }
    namespace pw = lineage::probes::weights;
    namespace fpr = lineage::probes::fingerprint;

    Figure registry_read, read_once, pass, two_stage, full_only;
    std::vector<fpr::Fingerprint> fps;
    {
        const Clock c;
        for (const auto& e : lineage::audit::registry::list_entries(registry))
            fps.push_back(lineage::audit::registry::read_entry(registry, e.name));
        registry_read.keep(c);
    }

    std::int64_t params = 0;
    int derived = 0, cleared = 0, full_stage = 0, full_derived = 0;
    std::vector<std::string> lines;
    pw::CompareOptions o;
    o.rule = pw::default_verdict_rule();
    for (int r = 0; r < repeats; ++r) {
        {
            const Clock c;
            const pw::CheckpointView view(candidate);
            double sink = 0;
            params = 0;
            for (const auto& t : view.tensors()) {
                const auto m = view.read(t);
                sink += m.size() ? m.data()[0] : 0.0f;
                params += t.elements();
            }
            if (sink == 12345.678) std::puts("");
            read_once.keep(c);
        }
        {
            const Clock c;
            fpr::CandidateScreen screen(candidate);
            pass.keep(c);
            derived = cleared = full_stage = 0;
            lines.clear();
            for (const auto& fp : fps) {
                fpr::ScreenResult sr;
                if (quick_only) {
                    sr.quick = screen.quick(fp, o);
                    sr.full_stage = !sr.quick.cleared;
                    sr.result.verdict = sr.quick.cleared ? pw::Verdict::independent : pw::Verdict::inconclusive;
                } else {
                    sr = screen.screen(fp, o);
                }
                derived += sr.result.verdict == pw::Verdict::derived;
                cleared += sr.quick.cleared;
                full_stage += sr.full_stage;
                char buf[512];
                std::snprintf(buf, sizeof buf, "  %-28s quick %-8s %6.1f ms (cpu %5.1f)  cka %.3f/%.3f ctl %.3f  moments %s  -> %s",
                              fp.name.c_str(), sr.quick.cleared ? "cleared" : "sent on",
                              1e3 * sr.quick.seconds, 1e3 * sr.quick.cpu_seconds, sr.quick.anchor_cka.value,
                              sr.quick.anchor_cka.threshold, sr.quick.anchor_cka.control_value,
                              sr.quick.neuron_moments.ran
                                  ? (std::to_string(sr.quick.neuron_moments.value).substr(0, 5) + "/" +
                                     std::to_string(sr.quick.neuron_moments.threshold).substr(0, 5) + " ctl " +
                                     std::to_string(sr.quick.neuron_moments.control_value).substr(0, 5))
                                        .c_str()
                                  : "n/a",
                              pw::verdict_name(sr.result.verdict));
                lines.push_back(buf);
                if (!sr.quick.cleared) lines.push_back("      " + sr.quick.reason);
                if (quick_only && !sr.quick.cleared) lines.back() += "  [full stage not run: --quick-only]";
            }
            two_stage.keep(c);
        }
        if (single_stage) {
            pw::CompareOptions nc = o;
            nc.run_controls = false;
            const Clock c;
            fpr::CandidateScreen screen(candidate);
            full_derived = 0;
            for (const auto& fp : fps)
                full_derived += screen.compare(fp, nc).result.verdict == pw::Verdict::derived;
            full_only.keep(c);
        }
    }
    std::printf("candidate %s: %lld parameters; registry %s: %zu fingerprints\n", candidate.c_str(),
                static_cast<long long>(params), registry.c_str(), fps.size());
    std::printf("%-34s %9s %9s\n", "(best of runs)", "wall s", "cpu s");
    std::printf("%-34s %9.3f %9.3f\n", "read registry (50 entries)", registry_read.wall, registry_read.cpu);
    std::printf("%-34s %9.3f %9.3f\n", "read candidate once (fp32, warm)", read_once.wall, read_once.cpu);
    std::printf("%-34s %9.3f %9.3f\n", "  screening: candidate pass", pass.wall, pass.cpu);
    std::printf("%-34s %9.3f %9.3f   = %.2fx read once (wall), %.2fx (cpu)\n",
                "screen, two stages (audit settings)", two_stage.wall, two_stage.cpu,
                two_stage.wall / read_once.wall, two_stage.cpu / read_once.cpu);
    if (single_stage)
        std::printf("%-34s %9.3f %9.3f   = %.2fx read once (wall); derived %d\n",
                    "screen, full probe only (no ctl)", full_only.wall, full_only.cpu,
                    full_only.wall / read_once.wall, full_derived);
    std::printf("cleared by the quick stage %d of %zu; full stage %d; derived verdicts %d\n", cleared,
                fps.size(), full_stage, derived);
    for (const auto& l : lines) std::puts(l.c_str());
    return 0;
}
