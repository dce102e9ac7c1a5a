// Layer alignment (see layer_alignment.h). DP state best[j][i]: the best total for B layers 0..j
// whose last mapped A layer is <= i. Each B layer either maps to an A layer >= the previous one
// (equal = duplicated) or is left unmapped.
#include "probes/stats/layer_alignment.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace lineage::probes::stats {

LayerMap monotone_alignment(const std::vector<double>& scores, std::int64_t la, std::int64_t lb,
                            double min_score) {
    LayerMap out;
    out.b_to_a.assign(static_cast<std::size_t>(lb), -1);
    if (la == 0 || lb == 0) return out;
    // f[j][i]: best total for B layers < j+1 with last mapped A layer exactly i (or i = la: none).
    const double neg = -std::numeric_limits<double>::infinity();
    const std::int64_t states = la + 1;  // state la = nothing mapped yet
    std::vector<double> f(static_cast<std::size_t>((lb + 1) * states), neg);
    std::vector<std::int32_t> choice(static_cast<std::size_t>((lb + 1) * states), -2);
    auto at = [&](std::int64_t j, std::int64_t s) -> double& { return f[j * states + s]; };
    at(0, la) = 0.0;
    for (std::int64_t j = 0; j < lb; ++j) {
        // prefix maximum over previous states: best with last A layer <= i (state la counts as -1)
        std::vector<double> best_upto(static_cast<std::size_t>(la), neg);
        std::vector<std::int32_t> arg_upto(static_cast<std::size_t>(la), -1);
        double run = at(j, la);
        std::int32_t run_arg = static_cast<std::int32_t>(la);
        for (std::int64_t i = 0; i < la; ++i) {
            if (at(j, i) > run) run = at(j, i), run_arg = static_cast<std::int32_t>(i);
            best_upto[i] = run, arg_upto[i] = run_arg;
        }
        // leave B layer j unmapped: keep every state
        for (std::int64_t s = 0; s < states; ++s)
            if (at(j, s) > at(j + 1, s)) at(j + 1, s) = at(j, s), choice[(j + 1) * states + s] = -1;
        // map B layer j to A layer i
        for (std::int64_t i = 0; i < la; ++i) {
            const double gain = scores[i * lb + j] - min_score;
            if (gain <= 0 || best_upto[i] == neg) continue;
            const double cand = best_upto[i] + gain;
            if (cand > at(j + 1, i)) {
                at(j + 1, i) = cand;
                choice[(j + 1) * states + i] = arg_upto[i];
            }
        }
    }
    std::int64_t s = la;
    for (std::int64_t i = 0; i < la; ++i)
        if (at(lb, i) > at(lb, s)) s = i;
    out.total_score = at(lb, s);
    for (std::int64_t j = lb; j > 0; --j) {
        const std::int32_t c = choice[j * states + s];
        if (c == -1) continue;  // B layer j-1 unmapped, state unchanged
        out.b_to_a[j - 1] = static_cast<std::int32_t>(s);
        s = c;
    }
    std::vector<char> used(static_cast<std::size_t>(la), 0);
    for (auto a : out.b_to_a)
        if (a >= 0) used[a] = 1;
    for (std::int64_t i = 0; i < la; ++i)
        if (!used[i]) out.dropped.push_back(static_cast<std::int32_t>(i));
    return out;
}

std::vector<BestMatch> best_matches(const std::vector<double>& neg_log10_p, std::int64_t la,
                                    std::int64_t lb) {
    std::vector<BestMatch> out(static_cast<std::size_t>(lb));
    const double penalty = la > 0 ? std::log10(static_cast<double>(la)) : 0.0;
    for (std::int64_t j = 0; j < lb; ++j) {
        double best = -1;
        for (std::int64_t i = 0; i < la; ++i)
            if (neg_log10_p[i * lb + j] > best)
                best = neg_log10_p[i * lb + j], out[j].a_layer = static_cast<std::int32_t>(i);
        out[j].corrected_neg_log10_p = std::max(0.0, best - penalty);
    }
    return out;
}

}  // namespace lineage::probes::stats
