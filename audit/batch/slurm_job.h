// Slurm job arrays for a batch audit: the sbatch script (one array task per shard of the
// manifest; task K runs `lineage batch run MANIFEST --out DIR --shard K/N`), the --array
// specification for all shards or only the unfinished ones, and submission through `sbatch
// --parsable`. We do not schedule anything ourselves: Slurm places, limits (%array-max), retries
// and accounts; the lock and result protocol of the output folder (result_store.h) makes tasks
// safe to rerun, resubmit or overlap.
//
// The script assumes what every Slurm cluster running such jobs has: the lineage binary, the
// manifest's models and DIR on a filesystem shared by the login and compute nodes, under the same
// paths (all paths in the script are absolute).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "audit/shell_quote.h"

namespace lineage::audit::batch {

struct SlurmSettings {
    std::size_t shards = 1;         // array tasks, 0..shards-1
    std::string partition;          // --partition (empty: the cluster default)
    std::string time;               // --time, e.g. "02:00:00"
    std::string gres;               // --gres, e.g. "gpu:1"
    std::size_t cpus_per_task = 0;  // --cpus-per-task (0: default)
    std::size_t array_max = 0;      // %N: at most N tasks at once (0: no limit)
    std::string job_name = "lineage-batch";
    std::vector<std::string> extra;  // further "#SBATCH" arguments, verbatim (--account=X, ...)
};


// The sbatch script. `run_argv` is the full `lineage batch run ...` command without --shard;
// the script adds --shard "$SLURM_ARRAY_TASK_ID/<shards>". Logs go to <dir>/slurm/%A_%a.out.
std::string sbatch_script(const SlurmSettings& s, const std::vector<std::string>& run_argv,
                          const std::filesystem::path& dir);

// "0-7%2" for consecutive tasks (compressed ranges), "3,5-6" for a subset; "%max" appended when
// array_max > 0. `tasks` must be sorted and non-empty.
std::string array_spec(const std::vector<std::size_t>& tasks, std::size_t array_max);

// Runs `sbatch --parsable --array=SPEC SCRIPT` (sbatch from $LINEAGE_SBATCH or PATH) and returns
// the job id. Throws UsageError when sbatch is missing, DeviceError when it refuses the job (its
// message included).
std::string submit_sbatch(const std::filesystem::path& script, const std::string& array);

}  // namespace lineage::audit::batch
