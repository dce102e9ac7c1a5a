// The bundled default policy, a verbatim copy of policies/independent-foundation.toml compiled in
// so `lineage audit` works from any directory. A test checks that the two never drift apart: edit
// the .toml file, then paste it here.
#include "audit/policy/policy.h"

namespace lineage::audit {

std::string_view builtin_policy_text() {
    static constexpr std::string_view text = R"toml(# Lineage audit policy: independent foundation model.
#
# For programmes that fund models "pretrained from scratch": the candidate fails if the weights of
# any of its components descend from another model. Reusing or extending a tokenizer, or copying an
# architecture exactly, is allowed but flagged for the reviewer. Behavioural similarity without
# weight lineage (for example distillation from another model's outputs) is reported as its own
# finding and never counts as derivation.
#
# Format: policies/README.md. Copy this file to write your own policy; `lineage audit --policy FILE`.

schema = 1

[policy]
name = "independent-foundation"
version = "1.1.0"
description = "Fails a candidate whose weights, in any component, descend from another model; warns on a reused tokenizer or an identical architecture; informs on behavioural similarity."
description_ko = "어느 구성 요소든 다른 모델의 가중치에서 유래했다면 불합격으로 판정합니다. 토크나이저 재사용과 동일한 아키텍처는 경고로, 가중치 계보 없는 행동 유사성은 참고 사항으로 보고합니다."

[decision]
# "derived" needs p <= derived_alpha, divided by the number of tests when bonferroni = true
# (candidate components x bases), so that screening many components does not manufacture a finding.
derived_alpha = 1e-6
bonferroni = true
# An "independent" counts only when positive controls made from the base at the same settings
# (fine-tune-like perturbation, pruning, rotation) were all detected; otherwise "inconclusive".
require_power = true
# A component that is neither shown derived nor shown independent makes the model inconclusive.
inconclusive_components = "inconclusive"
# A component that no base has (a vision tower audited against text-only bases) cannot descend
# from those bases: it does not block a pass, and the rule "component-not-compared" below warns
# that its origin was not examined. Give a base or registry entry that has one to examine it.
uncompared_components = "ignore"

[[rules]]
id = "weights-derived"
severity = "fail"
kind = "weight-lineage"
relations = ["derived"]
components = ["*"]
description = "The weights of this component descend from another model."
description_ko = "이 구성 요소의 가중치가 다른 모델에서 유래했습니다."

[[rules]]
id = "component-not-compared"
severity = "warn"
kind = "weight-lineage"
relations = ["not-compared"]
components = ["*"]
description = "No base model has this component, so its weights were not compared with any. Audit again with a base or registry entry that has one (for a vision tower: known vision encoders)."
description_ko = "이 구성 요소를 가진 기준 모델이 없어 가중치를 어떤 모델과도 비교하지 못했습니다. 해당 구성 요소를 가진 기준 모델이나 레지스트리 항목(비전 타워라면 알려진 비전 인코더)을 지정해 다시 감사하십시오."

[[rules]]
id = "tokenizer-reused"
severity = "warn"
kind = "tokenizer"
relations = ["identical", "same-vocabulary", "extended", "pruned", "shifted", "reordered"]
description = "The tokenizer reuses another model's vocabulary. Allowed for a from-scratch model, but it must be disclosed."
description_ko = "토크나이저가 다른 모델의 어휘를 재사용합니다. 처음부터 학습한 모델에도 허용되지만, 반드시 공개해야 합니다."

[[rules]]
id = "architecture-identical"
severity = "warn"
kind = "architecture"
relations = ["identical"]
description = "The architecture (every shape and hyper-parameter) is identical to a known model. Common and allowed, but worth a look alongside the weight evidence."
description_ko = "아키텍처(모든 형상과 하이퍼파라미터)가 알려진 모델과 동일합니다. 흔하고 허용되는 경우이지만, 가중치 증거와 함께 살펴볼 필요가 있습니다."

[[rules]]
id = "behaviour-similar"
severity = "inform"
kind = "behaviour"
relations = ["similar"]
description = "The model behaves like another model without sharing its weights: possible distillation. Reported as its own finding, never as derivation."
description_ko = "가중치를 공유하지 않으면서 다른 모델과 비슷하게 동작합니다. 증류(distillation)의 가능성이 있으며, 파생이 아닌 별도의 발견 사항으로 보고합니다."
)toml";
    return text;
}

}  // namespace lineage::audit
