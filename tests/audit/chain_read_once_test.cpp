// "Each checkpoint read once" (issue 9), on the mini zoo's run of B (init, step 250, final) with
// base A: the content digest folded into the summary pass equals weights::content_digest() for
// any order and thread in which the pass finishes its tensors; a chain run makes exactly one pass
// per checkpoint and per base (checkpoint_passes_started), each pass reads every tensor exactly
// once and hashes nothing after it (digest_extra_bytes 0), and the digests it reports - and the
// binding to the submitted model given as the final checkpoint's folder - are the independent
// content digests of the files.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <thread>

#include "audit/chain/chain_run.h"
#include "audit/chain/checkpoint_pass.h"
#include "probes/weights/initialisation_check.h"
#include "weights/checkpoint.h"
#include "weights/digest.h"

using namespace lineage;

namespace {

const std::string kZoo = std::string(LINEAGE_SOURCE_DIR) + "/tests/data/minizoo/";

std::string independent_digest(const std::string& path) {
    return "sha256:" + weights::content_digest(weights::Checkpoint::open(path).tensors());
}

}  // namespace

TEST_CASE("ContentDigestStream equals content_digest in any completion order") {
    const auto ckpt = weights::Checkpoint::open(kZoo + "B");
    const auto tensors = ckpt.tensors();
    const std::string expected = weights::content_digest(tensors);
    REQUIRE(tensors.size() > 4);
    std::vector<std::size_t> order(tensors.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;

    SUBCASE("shuffled, two threads") {
        std::shuffle(order.begin(), order.end(), std::mt19937(7));
        weights::ContentDigestStream s(tensors);
        std::thread other([&] {
            for (std::size_t k = 1; k < order.size(); k += 2) s.done(order[k]);
        });
        for (std::size_t k = 0; k < order.size(); k += 2) s.done(order[k]);
        other.join();
        CHECK(s.finish() == expected);
        CHECK(s.bytes_hashed_at_finish() == 0);
    }
    SUBCASE("reverse name order: nothing hashed until the first tensor is done") {
        std::reverse(order.begin(), order.end());
        weights::ContentDigestStream s(tensors);
        for (std::size_t i : order) s.done(i);
        CHECK(s.finish() == expected);
        CHECK(s.bytes_hashed_at_finish() == 0);
    }
    SUBCASE("tensors never marked are hashed by finish()") {
        weights::ContentDigestStream s(tensors);
        for (std::size_t i = 0; i < tensors.size() / 2; ++i) s.done(i);
        CHECK(s.finish() == expected);
        CHECK(s.bytes_hashed_at_finish() > 0);
    }
}

TEST_CASE("read_checkpoint_once: one pass, every tensor once, digest folded in") {
    const auto rule = probes::weights::default_initialisation_rule();
    const auto before = audit::checkpoint_passes_started();
    const audit::CheckpointPass p =
        audit::read_checkpoint_once(kZoo + "checkpoints/B/step-000250", rule, 64, 1);
    CHECK(audit::checkpoint_passes_started() == before + 1);
    const audit::CheckpointReads io = p.reads();
    CHECK(io.tensors == static_cast<std::int64_t>(p.ckpt->tensors().size()));
    CHECK(io.pass_tensor_reads == io.tensors);
    CHECK(io.most_reads_of_one_tensor == 1);
    CHECK(io.pass_bytes == io.stored_bytes);
    CHECK(io.digest_extra_bytes == 0);
    CHECK(io.pairwise_tensor_reads == 0);
    CHECK(p.digest == independent_digest(kZoo + "checkpoints/B/step-000250"));

    const audit::CheckpointPass base = audit::read_base_once(kZoo + "A");
    CHECK(base.digest == independent_digest(kZoo + "A"));
    CHECK(base.reads().digest_extra_bytes == 0);
    CHECK(base.reads().most_reads_of_one_tensor == 1);
}

TEST_CASE("run_chain reads each checkpoint and each base in one pass") {
    audit::ChainOptions o;
    for (const auto& [step, dir] : std::vector<std::pair<int, std::string>>{
             {0, "checkpoints/B/step-000000"}, {250, "checkpoints/B/step-000250"}, {500, "B"}})
        o.manifest.checkpoints.push_back({step, kZoo + dir, std::int64_t{step} * 512, ""});
    o.manifest.source = "test";
    o.bases = {kZoo + "A"};
    o.submitted = kZoo + "B/";  // the final checkpoint's own folder, named differently
    const auto before = audit::checkpoint_passes_started();
    const audit::ChainResult r = audit::run_chain(o, reports::Language::en, {});
    CHECK(audit::checkpoint_passes_started() == before + 3 + 1);
    REQUIRE(r.checkpoints.size() == 3);
    for (const auto& c : r.checkpoints) {
        CAPTURE(c.label);
        CHECK(c.reads.pass_tensor_reads == c.reads.tensors);
        CHECK(c.reads.most_reads_of_one_tensor == 1);
        CHECK(c.reads.digest_extra_bytes == 0);
        CHECK(c.reads.pass_bytes == c.reads.stored_bytes);
        CHECK(c.digest == independent_digest(c.entry.path));
    }
    // The pairwise statistics read again from the mapped pages; counted, not hidden.
    CHECK(r.checkpoints[1].reads.pairwise_tensor_reads > 0);
    CHECK(r.checkpoints[1].reads.pairwise_tensor_reads <= r.checkpoints[1].reads.tensors);  // distinct
    CHECK(r.bases.at(0).digest == independent_digest(kZoo + "A"));
    CHECK(r.binding.status == audit::BindingStatus::bound);
    CHECK(r.binding.submitted_digest == independent_digest(kZoo + "B"));
    CHECK(r.verdict == audit::ChainVerdict::proven);
}
