// Shards of a manifest: array task K of N audits the items whose position i satisfies i % N == K.
// Round-robin rather than contiguous blocks, so that a manifest sorted by model size spreads its
// large models over the tasks. The shard count is fixed when the job is written (not read from
// SLURM_ARRAY_TASK_COUNT at run time), so that resubmitting one task alone (`--array=3`, where
// Slurm reports a count of 1) still selects the same items.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace lineage::audit::batch {

struct Shard {
    std::size_t index = 0;  // K, 0-based
    std::size_t count = 1;  // N >= 1
};

// Parses "K/N" (0 <= K < N); throws UsageError otherwise.
Shard parse_shard(const std::string& text);

// Positions (into the manifest) of the items in `shard`, in manifest order.
std::vector<std::size_t> shard_positions(std::size_t items, const Shard& shard);

// The shard holding the item at `position`.
std::size_t shard_of(std::size_t position, std::size_t shard_count);

}  // namespace lineage::audit::batch
