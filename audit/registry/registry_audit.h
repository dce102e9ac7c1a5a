// The registry's part of an audit: every entry of every --registry file becomes one more base,
// labelled "<entry> (fingerprint)" and recorded with the source model's content digest. Its weight
// evidence comes from screening the candidate against the fingerprint (probes/fingerprint/
// screen.h), its tokenizer evidence from the tokenizer files the fingerprint carries, its
// architecture finding from the carried config.json. Activation signatures are not in layout 1:
// the activation probe is recorded as not run for those bases. Each such base adds a parameter
// "registry.<entry>" saying that its conclusions came from a fingerprint and how it was made.
#pragma once

#include "audit/audit_run.h"
#include "probes/weights/compare.h"

namespace lineage::weights {
class Checkpoint;
}

namespace lineage::audit {

void add_registry_bases(const AuditOptions& options, const weights::Checkpoint& candidate,
                        const probes::weights::CompareOptions& compare_options,
                        reports::Language lang, const Progress& progress, AuditResult& result);

}  // namespace lineage::audit
