// The sbatch script writer, --array specifications and the call to sbatch (see slurm_job.h).
#include "audit/batch/slurm_job.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "weights/core/error.h"

namespace lineage::audit::batch {

std::string array_spec(const std::vector<std::size_t>& tasks, std::size_t array_max) {
    std::string spec;
    for (std::size_t i = 0; i < tasks.size();) {
        std::size_t j = i;
        while (j + 1 < tasks.size() && tasks[j + 1] == tasks[j] + 1) ++j;
        if (!spec.empty()) spec += ",";
        spec += std::to_string(tasks[i]);
        if (j > i) {
            spec += '-';
            spec += std::to_string(tasks[j]);
        }
        i = j + 1;
    }
    if (array_max > 0) {
        spec += '%';
        spec += std::to_string(array_max);
    }
    return spec;
}

std::string sbatch_script(const SlurmSettings& s, const std::vector<std::string>& run_argv,
                          const std::filesystem::path& dir) {
    const std::string logs = (dir / "slurm").string();
    std::vector<std::size_t> all(s.shards);
    for (std::size_t i = 0; i < s.shards; ++i) all[i] = i;
    std::ostringstream o;
    o << "#!/bin/bash\n"
      << "# Written by `lineage batch submit`: one array task per shard of the manifest.\n"
      << "# Resubmit the unfinished shards with `lineage batch submit ... --only-unfinished`, or\n"
      << "# task K alone with `sbatch --array=K "
      << shell_quote((dir / "slurm" / "batch.sbatch").string()) << "`.\n"
      << "# The shard count is fixed below, never read from SLURM_ARRAY_TASK_COUNT (the size of\n"
      << "# the submission: 1 for a single resubmitted task).\n"
      << "#SBATCH --job-name=" << shell_quote(s.job_name) << "\n"
      << "#SBATCH --array=" << array_spec(all, s.array_max) << "\n"
      << "#SBATCH --output=" << shell_quote(logs + "/%A_%a.out") << "\n";
    if (!s.partition.empty()) o << "#SBATCH --partition=" << shell_quote(s.partition) << "\n";
    if (!s.time.empty()) o << "#SBATCH --time=" << shell_quote(s.time) << "\n";
    if (!s.gres.empty()) o << "#SBATCH --gres=" << shell_quote(s.gres) << "\n";
    if (s.cpus_per_task > 0) o << "#SBATCH --cpus-per-task=" << s.cpus_per_task << "\n";
    for (const auto& e : s.extra) o << "#SBATCH " << e << "\n";
    o << "set -euo pipefail\n"
      << "SHARDS=" << s.shards << "\n"
      << ": \"${SLURM_ARRAY_TASK_ID:?this script runs as a Slurm array task (sbatch --array)}\"\n"
      << "echo \"lineage batch: job ${SLURM_ARRAY_JOB_ID:-?} task ${SLURM_ARRAY_TASK_ID}/${SHARDS}"
         " (tasks in this submission: ${SLURM_ARRAY_TASK_COUNT:-?}) on $(hostname)\"\n"
      << "exec";
    for (const auto& a : run_argv) o << " " << shell_quote(a);
    o << " --shard \"${SLURM_ARRAY_TASK_ID}/${SHARDS}\"\n";
    return o.str();
}

std::string submit_sbatch(const std::filesystem::path& script, const std::string& array) {
    const char* env = std::getenv("LINEAGE_SBATCH");
    const std::string sbatch = env != nullptr && *env != '\0' ? env : "sbatch";
    const std::string array_arg = "--array=" + array;
    std::vector<std::string> argv{sbatch, "--parsable", array_arg, script.string()};
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);

    int out[2], err[2];
    if (::pipe(out) != 0 || ::pipe(err) != 0)
        throw InternalError(std::string("pipe failed: ") + std::strerror(errno));
    const pid_t pid = ::fork();
    if (pid < 0) throw InternalError(std::string("fork failed: ") + std::strerror(errno));
    if (pid == 0) {
        ::dup2(out[1], 1);
        ::dup2(err[1], 2);
        ::close(out[0]);
        ::close(err[0]);
        ::execvp(cargv[0], cargv.data());
        ::_exit(127);
    }
    ::close(out[1]);
    ::close(err[1]);
    // sbatch's output is a few lines: read stdout then stderr (no risk of filling both pipes).
    auto drain = [](int fd) {
        std::string s;
        char buf[4096];
        ssize_t n;
        while ((n = ::read(fd, buf, sizeof buf)) > 0) s.append(buf, static_cast<std::size_t>(n));
        ::close(fd);
        return s;
    };
    const std::string stdout_text = drain(out[0]);
    std::string stderr_text = drain(err[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && stdout_text.empty())
        throw UsageError("'" + sbatch +
                         "' not found: run `batch submit` on a Slurm login node (or set "
                         "LINEAGE_SBATCH); --dry-run writes the script without submitting");
    while (!stderr_text.empty() && (stderr_text.back() == '\n' || stderr_text.back() == '\r'))
        stderr_text.pop_back();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw DeviceError("sbatch refused the job: " +
                          (stderr_text.empty() ? std::string("(no message)") : stderr_text));
    // --parsable prints "JOBID" or "JOBID;CLUSTER".
    std::string id = stdout_text.substr(0, stdout_text.find_first_of(";\n\r"));
    if (id.empty()) throw DeviceError("sbatch printed no job id (output: " + stdout_text + ")");
    return id;
}

}  // namespace lineage::audit::batch
