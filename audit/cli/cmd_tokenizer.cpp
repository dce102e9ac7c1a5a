// `lineage tokenizer A B [--json]`: the tokenizer lineage finding between two tokenizers (model
// folders or tokenizer files of any supported format). Prints the relation, every figure beside
// its null range, the blocks and offsets that explain it, and the weak hints; --json prints the
// machine record instead (top-level "relation"). Exit codes: 0 independent, 1 a derived relation
// (identical, same-vocabulary, extended, pruned, shifted, reordered), 3 bad input, 4 unsupported.
// A reused tokenizer is a finding about the tokenizer only, not proof the weights are derived.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>

#include "probes/tokenizer/null_ranges.h"
#include "probes/tokenizer/tokenizer_probe.h"
#include "weights/core/error.h"

namespace lineage::cli {

namespace {

struct TokenizerOptions {
    std::string a, b;
    bool json = false;
    bool no_behaviour = false;
};

std::string yes_no(bool v) { return v ? "yes" : "no"; }

void print_side(const char* name, const probes::VocabularySide& s) {
    std::printf("%s: %s\n   format %s, %s, %zu ids, %zu ordinary tokens (%zu compared), %zu merges%s\n"
                "   sha256 %s\n",
                name, s.path.c_str(), s.format.c_str(), s.model_type.empty() ? "?" : s.model_type.c_str(), s.ids,
                s.ordinary, s.multi_byte, s.merges, s.merges_rebuilt ? " (rebuilt canonically)" : "", s.sha256.c_str());
}

void print_range_list(const char* label, const std::vector<probes::IdRange>& ranges) {
    if (ranges.empty()) return;
    std::printf("  %s:", label);
    for (const auto& r : ranges) std::printf(" %lld-%lld (%lld)", static_cast<long long>(r.first),
                                             static_cast<long long>(r.first + r.count - 1), static_cast<long long>(r.count));
    std::printf("\n");
}

void print_human(const probes::TokenizerLineage& result) {
    using probes::with_null_range;
    const auto& c = result.comparison;
    const auto& f = result.finding;
    const double r = c.size_ratio;
    std::printf("Tokenizer relation: %s%s%s\n", std::string(probes::relation_name(f.relation)).c_str(),
                f.direction.empty() ? "" : " — ", f.direction.c_str());
    std::printf("%s\n\n", f.explanation.c_str());
    print_side("A", c.a);
    print_side("B", c.b);
    std::printf("\nFigures (single-byte tokens set aside as structural: %zu shared; size ratio %.3f):\n",
                c.structural_shared, c.size_ratio);
    std::printf("  shared tokens       %zu\n", c.shared);
    std::printf("  order kept (LIS)    %s\n", with_null_range(c.lis_fraction, "lis", r).c_str());
    std::printf("  Jaccard             %s\n", with_null_range(c.jaccard, "jaccard", r).c_str());
    std::printf("  containment         %s  (A in B %.3f, B in A %.3f)\n",
                with_null_range(std::max(c.containment_a_in_b, c.containment_b_in_a), "containment", r).c_str(),
                c.containment_a_in_b, c.containment_b_in_a);
    std::printf("  equal ids           %s\n", with_null_range(c.equal_id_fraction, "equal_ids", r).c_str());
    std::printf("  dominant offset     %+lld covering %s\n", static_cast<long long>(c.dominant_offset),
                with_null_range(c.offset_coverage, "offset_coverage", r).c_str());
    std::printf("  merge prefix        %zu of %zu shared canonical merges in the same order, fraction %s\n",
                c.merge_common_prefix, c.shared_merges, with_null_range(c.merge_prefix_fraction, "merge_prefix", r).c_str());
    std::printf("  merge rank corr.    %s over %zu shared merges (weak on its own)\n",
                with_null_range(c.merge_rank_correlation, "merge_rank_correlation", r).c_str(), c.shared_merges);
    std::printf("\nBlocks:\n");
    if (c.identical_prefix > 0)
        std::printf("  identical ids 0-%lld\n", static_cast<long long>(c.identical_prefix - 1));
    else
        std::printf("  no identical prefix (id 0 differs)\n");
    std::printf("  A-only tokens %zu, B-only tokens %zu\n", c.a_only, c.b_only);
    if (c.a_appended.count)
        std::printf("  A appends %lld tokens at ids %lld-%lld\n", static_cast<long long>(c.a_appended.count),
                    static_cast<long long>(c.a_appended.first), static_cast<long long>(c.a_appended.first + c.a_appended.count - 1));
    if (c.b_appended.count)
        std::printf("  B appends %lld tokens at ids %lld-%lld\n", static_cast<long long>(c.b_appended.count),
                    static_cast<long long>(c.b_appended.first), static_cast<long long>(c.b_appended.first + c.b_appended.count - 1));
    print_range_list("largest A-only runs", c.a_only_ranges);
    print_range_list("largest B-only runs", c.b_only_ranges);
    for (const auto& run : c.runs)
        std::printf("  run: A %lld.. -> B %lld.. (%lld tokens, offset %+lld)\n", static_cast<long long>(run.a_first),
                    static_cast<long long>(run.b_first), static_cast<long long>(run.length), static_cast<long long>(run.offset));
    const auto& h = c.hints;
    std::printf("\nWeak hints (many from-scratch tokenizers copy these):\n");
    std::printf("  same model type %s, same pre-tokenizer %s, same normalizer %s\n", yes_no(h.same_model_type).c_str(),
                h.pre_tokenizer_known ? yes_no(h.same_pre_tokenizer).c_str() : "unknown", yes_no(h.same_normalizer).c_str());
    std::printf("  special tokens: %zu shared (Jaccard %.2f); chat template family %s / %s; class %s / %s\n",
                h.shared_specials, h.specials_jaccard,
                c.a.hints.chat_template_family.empty() ? "-" : c.a.hints.chat_template_family.c_str(),
                c.b.hints.chat_template_family.empty() ? "-" : c.b.hints.chat_template_family.c_str(),
                c.a.hints.tokenizer_class.empty() ? "-" : c.a.hints.tokenizer_class.c_str(),
                c.b.hints.tokenizer_class.empty() ? "-" : c.b.hints.tokenizer_class.c_str());
    if (h.same_behaviour)
        std::printf("  behaviour hash: %s (A %s, B %s)\n", *h.same_behaviour ? "same" : "different",
                    c.a.behaviour_hash->c_str(), c.b.behaviour_hash->c_str());
    else
        std::printf("  behaviour hash: A %s; B %s\n",
                    c.a.behaviour_hash ? c.a.behaviour_hash->c_str() : c.a.behaviour_note.c_str(),
                    c.b.behaviour_hash ? c.b.behaviour_hash->c_str() : c.b.behaviour_note.c_str());
    std::printf("\nNote: a reused tokenizer does not by itself mean the weights are derived.\n");
}

int run_tokenizer(const TokenizerOptions& o) {
    probes::TokenizerProbeOptions popts;
    popts.behaviour_hash = !o.no_behaviour;
    probes::TokenizerLineage result = probes::compare_tokenizers(o.a, o.b, popts);
    if (o.json)
        std::printf("%s\n", probes::tokenizer_lineage_json(result).dump(2).c_str());
    else
        print_human(result);
    return static_cast<int>(result.finding.derived ? ExitCode::finding : ExitCode::ok);
}

}  // namespace

std::function<int()> setup_tokenizer(CLI::App& sub) {
    auto o = std::make_shared<TokenizerOptions>();
    sub.add_option("a", o->a, "first tokenizer: model folder or tokenizer file")->required();
    sub.add_option("b", o->b, "second tokenizer: model folder or tokenizer file")->required();
    sub.add_flag("--json", o->json, "print the machine-readable record");
    sub.add_flag("--no-behaviour", o->no_behaviour, "skip the behaviour hash (no encoder is built)");
    sub.footer("Exit codes: 0 independent, 1 derived relation, 3 bad input, 4 unsupported format.");
    return [o] { return run_tokenizer(*o); };
}

}  // namespace lineage::cli
