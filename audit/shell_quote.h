// POSIX shell quoting for command lines that a user may retype or a script runs: the
// reproducibility record of audits and chains, and the sbatch scripts of batch jobs.
#pragma once

#include <string>

namespace lineage::audit {

// `s` unchanged when it holds only characters no shell treats specially, else '...' with
// embedded single quotes written as '\''.
std::string shell_quote(const std::string& s);

}  // namespace lineage::audit
