// The registry's part of an audit: every entry of every --registry file becomes one more base,
// labelled "<entry> (fingerprint)" and recorded with the source model's content digest. Its weight
// evidence comes from screening the candidate against the fingerprint (probes/fingerprint/
// screen.h: the quick stage clears clearly unrelated entries, the others get the full sketch
// probe; the parameter "registry.<entry>.weights" says which), its tokenizer evidence from the
// tokenizer files the fingerprint carries, its architecture finding from the carried config.json.
// Its activation signature (layout 2), when present and activations run, is compared by CKA with
// the candidate's (computed once) and shown as a profile and a parameter - descriptive only, never
// a behaviour finding; layout-1 entries and models that could not be run record the activation
// probe as not run. Each such base adds a parameter "registry.<entry>" saying that its
// conclusions came from a fingerprint and how it was made.
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
