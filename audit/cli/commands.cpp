// The table of subcommands. Adding a command: write cmd_<name>.cpp with its setup function and add
// one row here.
#include "audit/cli/command.h"

#include <array>

namespace lineage::cli {

std::function<int()> setup_inspect(CLI::App& sub);
std::function<int()> setup_run(CLI::App& sub);
std::function<int()> setup_compare(CLI::App& sub);
std::function<int()> setup_tokenizer(CLI::App& sub);
std::function<int()> setup_probe(CLI::App& sub);
std::function<int()> setup_audit(CLI::App& sub);
std::function<int()> setup_chain(CLI::App& sub);
std::function<int()> setup_fingerprint(CLI::App& sub);
std::function<int()> setup_registry(CLI::App& sub);
std::function<int()> setup_batch(CLI::App& sub);

std::span<const Command> all_commands() {
    static const std::array commands{
        Command{"inspect", "Describe a checkpoint: architecture, parameters, tensors, digests",
                setup_inspect},
        Command{"run", "Greedy generation with the reference transformer; --dump-hidden writes hidden states",
                setup_run},
        Command{"compare", "Weight lineage of A and B: derived, independent or inconclusive, with p-values",
                setup_compare},
        Command{"tokenizer", "Tokenizer lineage of A and B: identical, extended, pruned, shifted, reordered or independent",
                setup_tokenizer},
        Command{"probe", "Activation probe of A and B: hidden-state CKA across layers and next-token agreement",
                setup_probe},
        Command{"audit", "Audit a candidate against base models under a policy: pass, fail or inconclusive, with a report",
                setup_audit},
        Command{"chain", "Prove a series of checkpoints descends from an independent initialisation to the submitted model",
                setup_chain},
        Command{"batch", "Audit a manifest of candidates: resumable local runs, Slurm job arrays, summaries",
                setup_batch},
        Command{"fingerprint", "Compute a base model's compact fingerprint (HDF5) for registries",
                setup_fingerprint},
        Command{"registry", "Maintain a fingerprint registry: add, list, show, remove",
                setup_registry},
    };
    return commands;
}

}  // namespace lineage::cli
