// The Markdown rendering: verdict line, the per-component table, escaping of table breaks and
// markup.
#include <doctest/doctest.h>

#include <string>

#include "reports/render.h"
#include "reports/sample_report.h"

using namespace lineage::reports;

TEST_CASE("Markdown has the verdict and a per-component table") {
    std::string md = render_markdown(testing::sample_report());
    CHECK(md.find("# Model lineage audit") == 0);
    CHECK(md.find("**Verdict: FAIL**") != std::string::npos);
    CHECK(md.find("| Component | Relation | Source (base: component) | p-value | Controls detected "
                  "| Why |") != std::string::npos);
    CHECK(md.find("| --- | --- | --- | ---: | ---: | --- |") != std::string::npos);
    CHECK(md.find("| embeddings | derived | llama-base: embeddings | 1.0e-12 |") !=
          std::string::npos);
    CHECK(
        md.find(
            "| layers.0.attention | independent |  | 0.42 | 3/3 | inside null \\| with power |") !=
        std::string::npos);
    CHECK(render_markdown(testing::sample_report()) == md);
}

TEST_CASE("Markdown escapes markup from untrusted text") {
    std::string md = render_markdown(testing::sample_report());
    CHECK(md.find("<script>") == std::string::npos);
    CHECK(md.find("evil\\<script\\>") != std::string::npos);
    CHECK(md.find("| a\\|b |") != std::string::npos);
    CHECK(md.find("\\<img src=") != std::string::npos);  // a literal '<' in CommonMark, not a tag
}

TEST_CASE("Markdown prints heatmaps as value tables with the aligned cells marked") {
    std::string md = render_markdown(testing::sample_report());
    CHECK(md.find("| \\[0.90\\] | 0.10 |") != std::string::npos);
    CHECK(md.find("n/a") != std::string::npos);
}

TEST_CASE("Markdown in Korean") {
    std::string md = render_markdown(testing::sample_report(Language::ko));
    CHECK(md.find("**판정: 불합격**") != std::string::npos);
    CHECK(md.find("| 구성 요소 | 관계 |") != std::string::npos);
    CHECK(md.find("## 재현 기록") != std::string::npos);
}
