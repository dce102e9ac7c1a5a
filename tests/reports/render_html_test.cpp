// The HTML page: self-contained (no URL, no script, no external resource), everything escaped,
// figures as inline SVG, Korean labels with --lang ko.
#include <doctest/doctest.h>

#include <regex>
#include <string>

#include "reports/render.h"
#include "reports/sample_report.h"

using namespace lineage::reports;

namespace {

int count(const std::string& s, std::string_view needle) {
    int n = 0;
    for (auto p = s.find(needle); p != std::string::npos; p = s.find(needle, p + 1)) ++n;
    return n;
}

}  // namespace

TEST_CASE("HTML makes no external reference") {
    std::string html = render_html(testing::sample_report());
    CHECK(html.find("http:") == std::string::npos);
    CHECK(html.find("https:") == std::string::npos);
    CHECK(html.find("src=") == std::string::npos);
    CHECK(html.find("<script") == std::string::npos);
    CHECK(html.find("<link") == std::string::npos);
    CHECK(html.find("<img") == std::string::npos);
    CHECK(html.find("@import") == std::string::npos);
    // Every href is an in-page anchor; every url() a reference to an inline gradient.
    std::regex href("href=\"([^\"]*)\"");
    for (auto it = std::sregex_iterator(html.begin(), html.end(), href);
         it != std::sregex_iterator(); ++it) {
        CHECK((*it)[1].str().front() == '#');
    }
    std::regex url("url\\(([^)]*)\\)");
    for (auto it = std::sregex_iterator(html.begin(), html.end(), url);
         it != std::sregex_iterator(); ++it) {
        CHECK((*it)[1].str().front() == '#');
    }
}

TEST_CASE("HTML escapes every piece of report text") {
    std::string html = render_html(testing::sample_report());
    CHECK(html.find("evil&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
    CHECK(html.find("&lt;img src&#61;&quot;https&#58;//evil.example") != std::string::npos);
    CHECK(html.find("&lt;b&gt;&amp;&lt;/b&gt;") != std::string::npos);
    CHECK(html.find("value &quot;v&quot;") != std::string::npos);
}

TEST_CASE("HTML structure: banner, component table, figures, reproducibility record") {
    std::string html = render_html(testing::sample_report());
    CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
    CHECK(html.find("<html lang=\"en\">") != std::string::npos);
    CHECK(html.find("<meta charset=\"utf-8\">") != std::string::npos);
    CHECK(html.find("class=\"banner fail\"") != std::string::npos);
    CHECK(html.find(">FAIL<") != std::string::npos);
    CHECK(count(html, "<svg") == 3);       // one heatmap, two charts
    CHECK(count(html, "<rect x=") >= 12);  // every heatmap cell
    CHECK(html.find("id=\"components\"") != std::string::npos);
    CHECK(html.find("id=\"reproducibility\"") != std::string::npos);
    CHECK(html.find("sha256:00ff") != std::string::npos);
    CHECK(html.find("<polyline") != std::string::npos);
    CHECK(render_html(testing::sample_report()) == html);
}

TEST_CASE("HTML in Korean carries Korean labels") {
    std::string html = render_html(testing::sample_report(Language::ko));
    CHECK(html.find("<html lang=\"ko\">") != std::string::npos);
    CHECK(html.find(">불합격<") != std::string::npos);
    CHECK(html.find("구성 요소별 판정") != std::string::npos);
    CHECK(html.find("재현 기록") != std::string::npos);
    CHECK(html.find("흔한 오해") != std::string::npos);  // the pitfall note's label
    CHECK(html.find("Verdict per component") == std::string::npos);
}
