// 한국어 메시지 표: Korean texts of reports and of lineage audit's terminal summary, written for
// reviewers (formal 합니다체). Same keys as messages_en.cpp (a test checks it); {0}, {1}, ... are
// filled by format(). Technical terms keep their usual Korean renderings (파생, 독립, 판단 보류).
#include "reports/i18n/messages.h"

namespace lineage::reports {

namespace {

constexpr Message kMessages[] = {
    // ---- renderer labels ----
    {"ui.brand", "Lineage · 모델 계보 감사"},
    {"ui.contents", "목차"},
    {"ui.verdict", "판정"},
    {"ui.policy", "정책"},
    {"ui.outcome.pass", "통과"},
    {"ui.outcome.fail", "불합격"},
    {"ui.outcome.inconclusive", "판단 보류"},
    {"ui.relation.derived", "파생"},
    {"ui.relation.independent", "독립"},
    {"ui.relation.inconclusive", "판단 보류"},
    {"ui.severity.fail", "불합격"},
    {"ui.severity.warn", "경고"},
    {"ui.severity.inform", "참고"},
    {"ui.note.info", "참고"},
    {"ui.note.pitfall", "흔한 오해"},
    {"ui.note.warning", "주의"},
    {"ui.role.candidate", "심사 대상"},
    {"ui.role.base", "기준 모델"},
    {"ui.role.policy", "정책"},
    {"ui.role.registry", "레지스트리"},
    {"ui.findings.title", "판정 근거: 정책 규칙에 해당한 사항"},
    {"ui.findings.none", "정책의 어떤 규칙에도 해당하는 사항이 없습니다."},
    {"ui.components.title", "구성 요소별 판정"},
    {"ui.components.none", "비교한 구성 요소가 없습니다."},
    {"ui.col.severity", "등급"},
    {"ui.col.rule", "규칙"},
    {"ui.col.component", "구성 요소"},
    {"ui.col.message", "내용"},
    {"ui.col.relation", "관계"},
    {"ui.col.source", "출처 (기준 모델: 구성 요소)"},
    {"ui.col.p_value", "p-값"},
    {"ui.col.statistic", "통계량"},
    {"ui.col.power", "양성 대조군 검출"},
    {"ui.col.reason", "근거"},
    {"ui.col.role", "구분"},
    {"ui.col.label", "이름"},
    {"ui.col.path", "경로"},
    {"ui.col.digest", "콘텐츠 다이제스트"},
    {"ui.col.name", "매개변수"},
    {"ui.col.value", "값"},
    {"ui.repro.title", "재현 기록"},
    {"ui.repro.intro",
     "같은 버전의 Lineage를 같은 입력, 정책, 매개변수, 시드로 다시 실행하면 같은 판정과 같은 "
     "수치가 나옵니다. "
     "생성 시각만 달라집니다."},
    {"ui.repro.tool", "도구"},
    {"ui.repro.build", "빌드"},
    {"ui.repro.generated", "생성 시각"},
    {"ui.repro.command", "명령"},
    {"ui.repro.artifacts", "입력 파일 (콘텐츠로 식별)"},
    {"ui.repro.parameters", "매개변수와 시드"},
    {"ui.repro.seed", "시드"},
    {"ui.footer",
     "Lineage {0} ({1})로 생성했습니다. 이 페이지는 자체 완결형이며 네트워크에서 아무것도 불러오지 "
     "않습니다."},
    {"ui.heatmap.too_wide",
     "{0} × {1} 행렬은 텍스트 표로 보기에 너무 넓습니다. HTML 보고서나 JSON 기록을 확인하십시오."},
    {"ui.heatmap.marked_legend", "[대괄호] 안의 칸이 정렬된 층 대응을 이룹니다."},
    {"ui.table.rows", "{0}개 행"},
    {"ui.heatmap.empty", "측정된 값이 없습니다."},

    // ---- report and banner ----
    {"report.title", "모델 계보 감사 보고서"},
    {"verdict.fail.derived",
     "구성 요소 {1}개 중 {0}개가 다른 모델에서 파생되었습니다 (첫 사례: {2} ← {3})."},
    {"verdict.fail.rule", "정책 규칙 \"{0}\"에 해당하여 불합격입니다: {1}"},
    {"verdict.no_bases",
     "기준 모델이 주어지지 않아, 어떤 구성 요소도 독립임을 보일 수 없었습니다."},
    {"verdict.no_comparison", "어떤 기준 모델과도 비교하지 못해 아무것도 판정하지 못했습니다."},
    {"verdict.undecided",
     "구성 요소 {1}개 중 {0}개를 판정하지 못했습니다. 파생으로 확인된 구성 요소는 없습니다."},
    {"verdict.pass.uncompared",
     "파생된 구성 요소는 없습니다. 구성 요소 {1}개 중 {0}개({2})는 어느 기준 모델에도 대응하는 "
     "구성 요소가 없어 비교하지 못했고, 비교한 구성 요소는 모두 독립적입니다."},
    {"verdict.pass.ignored",
     "파생된 구성 요소는 없습니다. 구성 요소 {1}개 중 {0}개는 판단 보류이나, 이 정책에서는 판정에 "
     "반영하지 않습니다."},
    {"verdict.pass",
     "구성 요소 {0}개 모두 기준 모델 {1}개와 독립이며, 각각 양성 대조군이 검출되었습니다."},
    {"verdict.pass.warnings",
     "구성 요소 {0}개 모두 기준 모델 {1}개와 독립이며, 각각 양성 대조군이 검출되었습니다. 경고 "
     "{2}건이 있습니다."},

    // ---- component reasons: {0} p-값, {1} 임계값, {2} 검출된 대조군, {3} 기준 모델 ----
    {"reason.exact-reuse",
     "{3}와(과) 내용이 완전히 같습니다. 그대로 재사용한 것으로, 통계량 없이도 결정적입니다."},
    {"reason.significant", "p {0}로, 감사 임계값 {1}보다 작습니다."},
    {"reason.independent-power",
     "독립 모델 간 범위 안에 있으며, 양성 대조군이 검출되었습니다 ({2})."},
    {"reason.independent-unpowered",
     "독립 모델 간 범위 안에 있습니다 (이 정책은 양성 대조군을 요구하지 않습니다)."},
    {"reason.flag-not-significant", "프로브가 표시했지만 p {0}로 감사 임계값 {1}보다 큽니다."},
    {"reason.conflicting",
     "프로브는 이 통계량을 증거로 보지 않지만(예: 효과 크기가 하한보다 작음), p {0}로 감사 임계값 "
     "{1}보다 작습니다. 검토자가 설명하기 전까지는 판단을 보류합니다."},
    {"reason.controls-not-run", "양성 대조군을 실행하지 않아 검정력을 알 수 없습니다."},
    {"reason.controls-missed",
     "양성 대조군 중 {2}만 검출되었습니다. 이 설정에서는 검정력이 부족합니다."},
    {"reason.probe-inconclusive", "프로브가 판정하지 못했습니다 (p {0})."},
    {"reason.not-compared", "대응하는 구성 요소를 가진 기준 모델이 없습니다."},
    {"reason.width-invariant-tokens",
     "은닉 차원의 너비가 달라 이 구성 요소는 너비 불변 토큰 검사로 판정했습니다: 공유 토큰 행의 "
     "보류 표본 정준상관 중앙값 {0}, 독립 모델 간 상한 {1}; 기준 모델의 행을 무작위 너비 변환과 "
     "미세 조정 크기의 잡음에 통과시킨 대조군은 {2}. 이 검사는 독립성만 뒷받침할 수 있으며 파생 "
     "판정은 내리지 않습니다."},
    {"reason.width-invariant-tokens-silent",
     "은닉 차원의 너비가 다르지만 너비 불변 토큰 검사는 이 쌍에 대해 보정되어 있지 않아(은닉 차원당 "
     "공유 토큰 {0}개; 상한은 {1}개 이상에서 보정됨) 이 구성 요소는 미결로 남습니다."},

    // ---- relations in words ----
    {"relation.weight-lineage.derived", "파생"},
    {"relation.weight-lineage.independent", "독립"},
    {"relation.weight-lineage.inconclusive", "판단 보류"},
    {"relation.tokenizer.identical", "동일한 토크나이저"},
    {"relation.tokenizer.same-vocabulary", "형식만 다른 같은 어휘"},
    {"relation.tokenizer.extended", "확장된 어휘"},
    {"relation.tokenizer.pruned", "축소된 어휘"},
    {"relation.tokenizer.shifted", "ID가 이동된 어휘"},
    {"relation.tokenizer.reordered", "순서가 바뀐 어휘"},
    {"relation.tokenizer.independent", "독립적인 토크나이저"},
    {"relation.architecture.identical", "동일한 아키텍처"},
    {"relation.architecture.same-family", "같은 계열의 아키텍처"},
    {"relation.architecture.different", "다른 아키텍처"},
    {"relation.behaviour.similar", "행동이 유사함"},
    {"relation.behaviour.dissimilar", "행동이 다름"},
    {"relation.behaviour.inconclusive", "행동 유사성 판단 보류"},
    {"policy.hit", "{0} ({1})"},

    // ---- summary ----
    {"section.summary", "요약"},
    {"summary.counts",
     "심사 대상의 구성 요소 {0}개를 기준 모델 {1}개와 비교했습니다. 파생 {2}개, 독립 {3}개, 판단 "
     "보류 {4}개입니다."},
    {"summary.policy", "정책 {0} {1}에 따라 판정했습니다: {2}"},
    {"summary.candidate", "심사 대상"},
    {"summary.parameters", "파라미터 수"},
    {"summary.bases", "비교한 기준 모델"},
    {"summary.none", "없음"},
    {"summary.threshold", "\"파생\" 판정 임계값"},
    {"summary.threshold_value", "p ≤ {0} (검정 수로 보정한 전체 유의수준 {1})"},
    {"summary.power", "검정력 명시"},
    {"summary.power_required", "\"독립\" 판정에는 모든 양성 대조군의 검출이 필요합니다."},
    {"summary.power_not_required", "이 정책은 요구하지 않습니다."},
    {"audit.skip.title", "실행하지 않음: {0}"},
    {"probe.weights", "가중치 계보 프로브"},
    {"probe.tokenizer", "토크나이저 프로브"},
    {"probe.activations", "활성값 프로브"},
    {"probe.registry", "지문 레지스트리"},
    {"audit.skip.not_built", "이 버전의 Lineage에는 아직 포함되어 있지 않습니다. {1}"},
    {"audit.skip.failed", "{0}와(과) 비교하지 못했습니다: {1}"},
    {"audit.skip.no_tokenizer", "{0}의 토크나이저 파일을 찾지 못했습니다. {1}"},
    {"audit.skip.disabled", "명령줄에서 꺼져 있습니다 (--no-activations). {1}"},
    {"audit.skip.unsupported_class",
     "{0}와(과)의 비교에서 실행하지 않았습니다: 아키텍처 클래스 {1}은(는) Lineage의 참조 트랜스포머에 "
     "없어 활성값을 계산할 수 없습니다. 가중치와 토크나이저는 그대로 비교했습니다 (가중치는 텐서의 역할과 "
     "형상이 허용하는 범위에서)."},
    {"audit.skip.no_config",
     "{0}와(과)의 비교에서 실행하지 않았습니다: {1}에 config.json이 없어 참조 트랜스포머가 모델을 실행할 수 "
     "없습니다."},
    {"audit.skip.weights_failed", "{0}와(과) 가중치를 비교하지 못했습니다: {1}"},

    // ---- weight evidence ----
    {"section.evidence", "가중치 증거"},
    {"evidence.intro",
     "심사 대상의 각 구성 요소를 각 기준 모델과, 은닉 공간의 순열·회전·스케일 변환에도 유지되는 "
     "통계량으로 검정합니다. "
     "모든 수치는 독립 모델 사이에서 나타나는 범위와 함께 제시하며, p-값은 독립성에 반하는 증거의 "
     "강도를 나타냅니다."},
    {"evidence.table.caption", "구성 요소·기준 모델별 검정 결과"},
    {"evidence.col.base", "기준 모델"},
    {"evidence.col.null", "독립 모델 범위"},
    {"evidence.col.evidence", "증거"},
    {"evidence.bases.caption", "기준 모델별 결과"},
    {"evidence.col.strongest", "가장 강한 증거"},
    {"evidence.exact", "그대로 재사용"},
    {"evidence.none", "가중치 비교를 수행하지 않았습니다."},
    {"evidence.heatmap.title", "{0}: 심사 대상 층 × {1} 층"},
    {"evidence.heatmap.caption",
     "각 칸은 심사 대상의 한 층과 기준 모델의 한 층을 비교한 값입니다. 색이 진할수록 더 "
     "유사합니다."},
    {"evidence.heatmap.caption_aligned",
     "각 칸은 심사 대상의 한 층과 기준 모델의 한 층을 비교한 값입니다. 색이 진할수록 더 "
     "유사합니다. 테두리를 두른 칸은 "
     "정렬된 층 대응이며, 대각선이 끊기거나 어긋난 곳은 층이 삭제·복제·삽입된 위치입니다."},
    {"evidence.heatmap.rows", "심사 대상 층"},
    {"evidence.heatmap.columns", "{0} 층"},
    {"role.attention", "어텐션"},
    {"role.mlp", "MLP"},
    {"role.experts", "전문가(MoE)"},
    {"role.embeddings", "임베딩"},
    {"role.norms", "정규화 층"},
    {"role.lm_head", "출력 헤드"},

    // ---- tokenizer ----
    {"section.tokenizer", "토크나이저"},
    {"tokenizer.intro",
     "토크나이저 재사용은 별도의 발견 사항으로 보고합니다. 처음부터 학습한 모델도 다른 모델의 "
     "토크나이저를 쓸 수 있고, "
     "파생 모델이 새 토크나이저를 쓸 수도 있기 때문입니다. 핵심 신호는 순서 보존율로, 두 어휘가 "
     "공유하는 토큰 중 "
     "상대적 순서가 그대로 유지된 비율입니다."},
    {"tokenizer.none", "토크나이저 비교를 수행하지 않았습니다."},
    {"tokenizer.col.vocab", "어휘 크기 (심사 대상 / 기준)"},
    {"tokenizer.col.shared", "공유 토큰"},
    {"tokenizer.col.jaccard", "중복도 (Jaccard)"},
    {"tokenizer.col.containment", "포함도"},
    {"tokenizer.col.order", "순서 보존율"},
    {"tokenizer.col.order_null", "무관한 쌍의 범위"},
    {"tokenizer.chart.title", "기준 모델별 토크나이저 중복도"},
    {"tokenizer.chart.caption",
     "중복도만으로는 증명되는 것이 거의 없습니다 (서로 무관한 실제 토크나이저도 토큰의 12–61%를 "
     "공유합니다). "
     "순서 보존율이 1에 가까우면 어휘를 재사용한 것입니다."},
    {"tokenizer.chart.x", "기준 모델"},
    {"tokenizer.chart.y", "비율"},
    {"tokenizer.chart.band", "무관한 쌍 (순서 보존율)"},
    {"tokenizer.note.title", "토크나이저 공유는 가중치 공유가 아닙니다"},
    {"tokenizer.note.text",
     "대부분의 정책에서 토크나이저 재사용은 불합격 사유가 아니라 경고입니다. 공개해야 할 "
     "사항이지만, 가중치의 출처에 "
     "대해서는 아무것도 말해 주지 않습니다."},

    // ---- behaviour ----
    {"section.behaviour", "행동 유사성"},
    {"behaviour.intro",
     "행동 유사성은 두 모델이 계산하는 내용(층별 은닉 상태 CKA, 다음 토큰 일치도)을 비교합니다. "
     "가중치 계보 없이 행동만 "
     "비슷하다면 증류를 의심할 수 있으며, 이는 파생이 아닌 별도의 발견 사항으로 보고합니다."},
    {"behaviour.absent.title", "이번 감사에서는 측정하지 않았습니다"},
    {"behaviour.absent.text",
     "활성값 프로브는 이 버전의 Lineage에 포함되어 있지 않으므로, 이 보고서는 행동 유사성이나 증류 "
     "여부에 대해 "
     "판단하지 않습니다."},
    {"behaviour.chart.title", "층 대각선을 따른 CKA"},
    {"behaviour.chart.caption",
     "파생 모델은 오랜 미세조정 후에도 대각선을 따라 높은 CKA를 유지합니다."},
    {"behaviour.chart.x", "층"},
    {"behaviour.chart.y", "선형 CKA"},
    {"behaviour.chart.band", "독립 모델 쌍"},

    // ---- pitfalls ----
    {"section.pitfalls", "흔한 오해"},
    {"pitfalls.intro",
     "공개적으로 제기된 계보 주장에 쓰인 통계량 가운데 일부는 서로 무관한 모델 사이에서도 높게 "
     "나옵니다. 이번 감사에서 "
     "측정한 경우 독립 모델 사이의 범위와 함께 설명용으로만 제시하며, 판정에는 반영하지 않습니다."},
    {"pitfalls.figure_with_range", "이번 감사: {1} ({0}), 독립 모델 쌍: {2}."},
    {"pitfalls.figure", "이번 감사: {1} ({0}), 독립 모델 쌍의 범위는 측정하지 않았습니다."},
    {"pitfalls.none",
     "오해를 부르는 통계량 중 이번 감사에 해당하는 것은 없습니다. 참고로 정리하면 다음과 "
     "같습니다."},
    {"pitfall.norm_cosine.title", "정규화 가중치의 코사인 유사도"},
    {"pitfall.norm_cosine.text",
     "학습된 모델의 정규화 층 이득 값은 모두 상수 근처에 모이므로, 서로 무관한 두 모델의 정규화 "
     "가중치 코사인 유사도도 "
     "약 0.99가 됩니다. 값이 높다고 계보의 증거가 되지 않습니다. Lineage는 대신 중심화한 순위 "
     "상관을 셔플 귀무분포와 "
     "비교합니다."},
    {"pitfall.attention_std.title", "어텐션 표준편차 곡선"},
    {"pitfall.attention_std.text",
     "층별 어텐션 가중치의 표준편차는 아키텍처, 초기화, 학습 방식에 따라 정해지므로, 형상이 같은 "
     "독립 모델끼리도 "
     "곡선의 상관이 매우 높게 나옵니다."},
    {"pitfall.raw_cosine.title", "가중치 행렬의 단순 코사인"},
    {"pitfall.raw_cosine.text",
     "중심화하지 않은 코사인은 공통된 평균과 스케일에 좌우되고, 뉴런 순열이나 은닉 공간 회전에 "
     "불변하지 않습니다. 그래서 "
     "무관한 쌍에서 높게, 위장된 파생 모델에서 낮게 나올 수 있습니다."},
    {"pitfall.architecture.title", "동일한 아키텍처"},
    {"pitfall.architecture.text",
     "독립적으로 학습한 모델도 공개된 설정을 그대로 쓰는 경우가 많습니다. 형상이 같으면 비교가 "
     "가능해질 뿐, 가중치를 "
     "복사했다는 증거는 아닙니다."},
    {"pitfall.output_similarity.title", "증류 후의 출력 유사성"},
    {"pitfall.output_similarity.text",
     "교사 모델의 출력으로 학습한 학생 모델은 가중치를 공유하지 않고도 교사처럼 동작합니다. 따라서 "
     "출력이나 표현의 "
     "유사성만으로는 파생을 보일 수 없으며, 가중치 증거만이 이를 보일 수 있습니다."},

    // ---- how to read ----
    {"section.guide", "보고서 읽는 법"},
    {"guide.intro",
     "Lineage는 심사 대상의 구성 요소마다 가중치가 기준 모델에서 유래했는지 판정한 뒤, 명시된 "
     "정책을 적용하여 맨 위의 "
     "최종 판정을 내립니다. 보고서에 쓰인 용어는 다음과 같습니다."},
    {"guide.terms", "용어"},
    {"guide.term.derived", "파생"},
    {"guide.text.derived",
     "해당 구성 요소의 가중치가 명시된 기준 모델의 구성 요소에서 유래했습니다. 내용이 완전히 "
     "같거나, 통계량이 독립 "
     "모델 사이의 범위를 크게 벗어난 경우(p-값이 감사 임계값보다 작음)입니다."},
    {"guide.term.independent", "독립"},
    {"guide.text.independent",
     "모든 검정이 독립 모델 사이의 범위 안에 있고, 같은 설정에서 기준 모델로 만든 양성 "
     "대조군(미세조정과 비슷한 섭동, "
     "가지치기, 회전)이 모두 검출되었습니다. 즉 파생이 있었다면 검정이 찾아낼 수 있었다는 "
     "뜻입니다."},
    {"guide.term.inconclusive", "판단 보류"},
    {"guide.text.inconclusive",
     "어느 쪽도 보이지 못했습니다. 증거가 약하거나, 통계량이 서로 어긋나거나, 양성 대조군이 "
     "검출되지 않은 경우입니다. "
     "판단 보류는 추측이 아니라 추가 증거가 필요하다는 뜻입니다."},
    {"guide.term.p_value", "p-값"},
    {"guide.text.p_value",
     "독립 모델이 이만큼 강한 증거를 보일 확률입니다. 값이 작을수록 계보의 증거가 강하며, 임계값은 "
     "검정 횟수로 "
     "보정합니다."},
    {"guide.term.null_range", "독립 모델 범위"},
    {"guide.text.null_range",
     "독립임이 알려진 모델 사이에서, 또는 순열 귀무분포에서 통계량이 취하는 범위입니다."},
    {"guide.term.power", "양성 대조군 검출"},
    {"guide.text.power",
     "실행한 양성 대조군 가운데 검출된 수로, \"독립\" 판정의 검정력을 명시합니다."},
    {"guide.term.policy", "정책"},
    {"guide.text.policy",
     "어떤 발견 사항을 불합격·경고·참고로 볼지 정한 데이터 파일입니다. 정책의 이름과 버전은 판정의 "
     "일부입니다."},
    {"guide.term.heatmap", "층 히트맵"},
    {"guide.text.heatmap",
     "세로는 심사 대상의 층, 가로는 기준 모델의 층입니다. 대각선이 진하면 i번째 층이 i번째 층에서 "
     "유래했다는 뜻이며, "
     "대각선이 어긋나거나 끊기면 층이 삭제·복제·삽입된 것입니다."},
    {"guide.term.behaviour", "행동 유사성"},
    {"guide.text.behaviour",
     "가중치 계보 없이 출력이나 표현만 비슷한 경우로, 증류 가능성을 뜻하며 파생으로 판정하지 "
     "않습니다."},
    {"guide.term.reproduce", "재현"},
    {"guide.text.reproduce",
     "끝부분의 재현 기록에 도구 버전, 모든 입력의 콘텐츠 다이제스트, 모든 매개변수와 시드가 "
     "있습니다. 같은 명령을 다시 "
     "실행하면 같은 판정과 수치가 나옵니다."},
    {"guide.exit.title", "lineage audit의 종료 코드"},
    {"guide.exit.text",
     "0 통과, 1 불합격, 6 판단 보류, 3 잘못된 입력, 2 사용법 오류, 4 지원하지 않는 입력."},

    // ---- terminal summary ----
    {"cli.verdict", "판정: {0} ({1} {2}) — {3}"},
    {"cli.components", "구성 요소: 파생 {0}개, 독립 {1}개, 판단 보류 {2}개"},
    {"cli.wrote", "보고서를 {0}에 저장했습니다"},
    {"cli.progress.candidate", "심사 대상 {0} 읽는 중"},
    {"cli.progress.base", "기준 모델 {0}와(과) 비교 중 ({1}/{2})"},
    {"cli.progress.tokenizer", "{0}와(과) 토크나이저 비교 중"},
    {"cli.progress.activations", "{0}와(과) 활성값 프로브 실행 중"},
    {"cli.progress.report", "보고서 작성 중"},

    // ---- checkpoint-chain audit (lineage chain; audit/chain/chain_report.cpp) ----
    {"ui.role.checkpoint", "체크포인트"},
    {"ui.role.submitted", "제출 모델"},
    {"chain.title", "체크포인트 체인 감사"},
    {"chain.verdict.proven",
     "체인 입증: {0}개 체크포인트가 모두 바로 앞 체크포인트에서 이어지며, 비교한 기준 모델 {1}개와 "
     "독립인 초기화에서 시작합니다."},
    {"chain.verdict.broken", "체인 단절(스텝 {0}): 스텝 {1}에서 이어지지 않습니다."},
    {"chain.verdict.origin", "시작점이 독립적이지 않음: 첫 체크포인트(스텝 {0})가 {1}."},
    {"chain.origin.trained", "이미 학습된 구조를 지니고 있어 초기화가 아닙니다"},
    {"chain.origin.from_base", "기준 모델 {0}에서 파생되었습니다"},
    {"chain.verdict.not_bound",
     "결속 실패: 마지막 체크포인트({0})가 제출 모델({1})과 다릅니다."},
    {"chain.verdict.undecided",
     "판단 보류: 스텝 {0}이(가) 스텝 {1}에서 이어지는지 가중치 프로브가 결정하지 못했습니다."},
    {"chain.verdict.drift",
     "판단 보류: 스텝 {0}의 변화가 그 사이의 학습량과 맞지 않습니다({1})."},
    {"chain.verdict.origin_unclear",
     "판단 보류: 첫 체크포인트가 초기화라고도, 모든 기준 모델과 독립이라고도 분명히 보이지 "
     "않습니다."},
    {"chain.verdict_word.proven", "체인 입증"},
    {"chain.verdict_word.broken", "체인 단절"},
    {"chain.verdict_word.origin-not-independent", "시작점이 독립적이지 않음"},
    {"chain.verdict_word.not-bound", "제출 모델과 결속되지 않음"},
    {"chain.verdict_word.inconclusive", "판단 보류"},
    {"chain.relation.incompatible", "호환되지 않음"},
    {"chain.relation.not-compared", "비교하지 않음"},
    {"chain.component.origin", "첫 체크포인트 대 기준 모델 {0}: {1}"},
    {"chain.component.link", "{0} (직전: {1})"},
    {"chain.link.descends", "이어짐"},
    {"chain.link.broken", "단절"},
    {"chain.link.undecided", "판단 보류"},
    {"chain.link.drift-inconsistent", "변화량 불일치"},
    {"chain.base_skipped.carried", "비교 생략: 시작점에서 연속성으로 이어짐"},
    {"chain.base_skipped.origin-only", "비교 안 함 (--origin-bases-only)"},
    {"chain.link.layers_shown", "단독으로 확인된 층 {0}/{1}"},
    {"chain.link.not_continued", "이어지지 않은 텐서 {0}개 (예: {1})"},
    {"chain.note.carried.title", "연속성으로 이어진 기준 모델 비교"},
    {"chain.note.carried.text", "첫 체크포인트는 모든 기준 모델과 비교됩니다(양성 대조 포함). 이후 체크포인트는 연속성이 그 독립성을 이어 주지 못하는 경우에만 다시 비교됩니다. \"비교 생략: 시작점에서 연속성으로 이어짐\"으로 표시된 체크포인트는 누락이 아니라 결정에 따라 비교하지 않았습니다: 그 체크포인트로 이어지는 링크가 모든 층에서 단독으로 확인되었고(뉴런 매칭과 어텐션 불변량이 전체 프로브의 임계값을 넘음) 표본 추출한 모든 텐서가 직전 체크포인트의 값을 이어 가며, 직전 체크포인트 자체가 모든 기준 모델과 독립이거나 이어진 것이기 때문입니다. 그렇지 않은 링크(학습 도중 층이나 텐서가 교체되거나 병합됨)는 그 체크포인트를, 실패 이후에는 그 뒤의 모든 체크포인트를 비교하게 합니다. --bases-every-checkpoint 는 모두 비교합니다."},
    {"chain.link.start", "시작"},
    {"chain.section.summary", "요약"},
    {"chain.section.timeline", "타임라인"},
    {"chain.section.origin", "시작점: 첫 체크포인트"},
    {"chain.section.binding", "제출 모델과의 결속"},
    {"chain.section.guide", "이 보고서를 읽는 법"},
    {"chain.summary.verdict", "판정"},
    {"chain.summary.checkpoints", "체크포인트"},
    {"chain.summary.checkpoints_value", "{0}개 (스텝 {1}부터 {2}까지)"},
    {"chain.summary.manifest", "입력"},
    {"chain.summary.tokens", "학습 토큰 수"},
    {"chain.summary.tokens_given", "학습 로그(매니페스트)에서"},
    {"chain.summary.tokens_steps", "주어지지 않음: 스텝 수로 대신합니다"},
    {"chain.summary.bases", "비교한 기준 모델"},
    {"chain.summary.none", "없음"},
    {"chain.summary.origin", "시작점"},
    {"chain.summary.verdict_broken_at", "스텝 {0}에서 체인 단절"},
    {"chain.summary.reads", "읽기"},
    {"chain.summary.reads_value",
     "모델 {0}개, 가중치 {1} GB를 각각 한 번에 읽음(통계와 내용 다이제스트를 함께 계산; 읽기 "
     "밖에서 해시한 양 {2} GB); 쌍별 통계가 그중 {3} GB를 매핑된 페이지에서 다시 읽음"},
    {"chain.note.registry.title", "레지스트리 항목: 시작점만 비교"},
    {"chain.note.registry.text",
     "지문 레지스트리 항목은 첫 체크포인트하고만 비교합니다(시작점 문제). 이후 체크포인트에서는 "
     "—로 표시됩니다. 기준 모델을 실행 전체에 걸쳐 추적하려면 --base로 체크포인트를 주십시오."},
    {"chain.summary.binding", "결속"},
    {"chain.origin.status.independent", "독립적인 초기화"},
    {"chain.origin.status.not-independent", "독립적이지 않음"},
    {"chain.origin.status.inconclusive", "판단 보류"},
    {"chain.binding.bound", "결속됨: 마지막 체크포인트의 내용 다이제스트가 제출 모델과 같습니다"},
    {"chain.binding.not-bound", "결속되지 않음: 내용 다이제스트가 다릅니다"},
    {"chain.binding.not-checked",
     "확인하지 않음(제출 모델 미지정): 체인은 마지막 다이제스트를 가진 모델을 입증합니다"},
    {"chain.binding.final", "마지막 체크포인트(내용 다이제스트)"},
    {"chain.binding.submitted", "제출 모델(내용 다이제스트)"},
    {"chain.note.positions.title", "위치로 매긴 스텝"},
    {"chain.note.positions.text",
     "폴더 이름에 스텝 번호가 없어 체크포인트를 순서대로 번호 매기고 변화량도 순서 기준으로 "
     "측정했습니다. 더 강한 검사를 위해 스텝과 학습 토큰 수가 담긴 매니페스트를 주십시오."},
    {"chain.note.inferred.title", "추정한 마지막 스텝"},
    {"chain.note.inferred.text",
     "마지막 폴더 이름에 스텝 번호가 없어 직전 체크포인트에서 한 간격 뒤(스텝 {0})로 두었습니다. "
     "실제 스텝과 학습 토큰 수가 담긴 매니페스트를 주십시오."},
    {"chain.note.no_base.title", "기준 모델 없음"},
    {"chain.note.no_base.text",
     "시작점은 초기화 방식에 대해서만 검사했습니다. 알려진 기준 모델(--base)을 주면 첫 "
     "체크포인트가 각각과 독립임도 보입니다."},
    {"chain.timeline.intro",
     "체크포인트마다 한 행이며 이른 것부터 나열합니다. 거리는 가중치의 상대 L2 거리(모든 "
     "체크포인트에서 같은 위치를 표본 추출)이고, 의존성은 체크포인트가 직전 것에서 이어졌다는 "
     "가중치 프로브의 결합 증거(-log10 p)이며, 스펙트럼 비는 최대 특잇값을 무작위 행렬 경계로 "
     "나눈 값의 중앙값입니다(초기화는 약 1, 학습이 구조를 더할수록 커집니다)."},
    {"chain.timeline.caption", "학습 실행의 타임라인"},
    {"chain.col.step", "스텝"},
    {"chain.col.checkpoint", "체크포인트"},
    {"chain.col.tokens", "학습 토큰 수"},
    {"chain.col.steps_between", "직전 이후 스텝"},
    {"chain.col.distance", "시작점과의 거리"},
    {"chain.col.step_distance", "직전 대비 변화"},
    {"chain.col.dependence", "의존성(-log10 p)"},
    {"chain.col.link", "연결"},
    {"chain.col.spectral", "스펙트럼 비"},
    {"chain.col.base", "대 {0}"},
    {"chain.col.log", "학습 로그"},
    {"chain.chart.title", "첫 체크포인트와의 거리"},
    {"chain.chart.caption",
     "스텝별로 각 체크포인트 가중치가 첫 체크포인트에서 떨어진 상대 L2 거리입니다. 학습 실행은 "
     "꾸준히 멀어지고, 끼워 넣은 체크포인트는 튑니다."},
    {"chain.chart.y", "상대 거리"},
    {"chain.origin.intro",
     "처음부터 학습한 실행은 초기화에서 시작합니다. 첫 체크포인트(스텝 {0})의 모습: {1}. "
     "시작점: {2}."},
    {"chain.look.initialisation", "초기화"},
    {"chain.look.trained", "학습된 모델"},
    {"chain.look.unclear", "어느 쪽도 분명하지 않음"},
    {"chain.init.caption", "초기화 검사(방식: normal(0, {0}), {1}; 정규화 이득 1)"},
    {"chain.init.col.test", "검사"},
    {"chain.init.col.value", "관측값"},
    {"chain.init.col.expect", "초기화라면"},
    {"chain.init.spectral", "스펙트럼 이상치가 있는 행렬(중앙 비, 최대)"},
    {"chain.init.spectral_expect",
     "없음: 최대 특잇값이 무작위 행렬 경계에 있음(비 약 1, 가우시안 귀무 분포 안)"},
    {"chain.init.std", "표준편차가 방식과 맞는 행렬(중앙 표준편차 / 방식의 표준편차)"},
    {"chain.init.std_expect", "전부, 비 약 1"},
    {"chain.init.embedding", "행 노름에 구조가 있는 임베딩"},
    {"chain.init.embedding_expect", "없음: 행 노름이 가우시안 행처럼 퍼짐"},
    {"chain.init.norms", "초기값 그대로인 정규화 이득"},
    {"chain.init.norms_expect", "전부"},
    {"chain.origin.bases_caption", "첫 체크포인트 대 각 기준 모델(양성 대조군 포함)"},
    {"chain.origin.col.base", "기준 모델"},
    {"chain.origin.record", "기록"},
    {"chain.guide.text",
     "모든 체크포인트가 직전 것에서 이어지고(가중치 프로브의 뉴런 매칭과 어텐션 불변량이 귀무 "
     "분포를 크게 넘음), 체크포인트 사이의 변화가 그 사이의 학습량과 맞으며, 첫 체크포인트가 모든 "
     "기준 모델과 독립인 초기화이고, 마지막 체크포인트가 제출 모델(같은 내용 다이제스트)이면 "
     "체인이 입증됩니다. 단절은 직전 것에서 이어지지 않는 첫 체크포인트를 가리킵니다."},
    {"chain.guide.exit.title", "lineage chain의 종료 코드"},
    {"chain.guide.exit.text",
     "0 체인 입증, 1 단절 / 시작점이 독립적이지 않음 / 결속 실패, 6 판단 보류, 3 잘못된 입력, "
     "2 사용법 오류, 4 지원하지 않는 입력."},
    {"cli.chain.verdict", "체인: {0} — {1}"},
    {"cli.progress.chain_base", "기준 모델 {0} 요약 중 ({1}/{2})"},
    {"cli.progress.chain_checkpoint", "체크포인트 {0} 읽는 중 (스텝 {1}, {2}/{3})"},
    {"cli.progress.chain_link", "스텝 {0}와(과) 스텝 {1} 비교 중"},
    {"cli.progress.chain_vs_base", "{0}와(과) 기준 모델 {1} 비교 중"},
};

}  // namespace

std::span<const Message> messages_ko() {
    return kMessages;
}

}  // namespace lineage::reports
