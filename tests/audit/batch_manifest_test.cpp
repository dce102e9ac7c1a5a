// Batch manifests (audit/batch/manifest.h): both formats, relative paths resolved against the
// manifest's folder, and every malformed manifest rejected with the file and line named.
#include <doctest/doctest.h>

#include <functional>
#include <string>

#include "audit/batch/manifest.h"
#include "weights/core/error.h"
#include "weights/safetensors_builder.h"

using namespace lineage::audit::batch;
using lineage::InputError;
using lineage::testing::TempDir;
using lineage::testing::write_bytes;

namespace {

// A folder with two "models" (existence is all the manifest checks).
struct ModelDirs {
    TempDir dir;
    ModelDirs() {
        write_bytes(dir / "models/a/config.json", "{}");
        write_bytes(dir / "models/b/config.json", "{}");
    }
    std::string base() const { return dir.path().string(); }
};

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const InputError& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST_CASE("TSV manifest: header, comments, CRLF, bases, relative paths") {
    ModelDirs m;
    const std::string text =
        "id\tpath\tbases\n"
        "# a comment\n"
        "\n"
        "first\tmodels/a\r\n"
        "second\tmodels/b\tmodels/a\t" +
        m.base() + "/models/b\t\n";
    const auto items = parse_manifest_tsv(text, "m.tsv", m.base());
    REQUIRE(items.size() == 2);
    CHECK(items[0].id == "first");
    CHECK(items[0].path == m.base() + "/models/a");
    CHECK(items[0].bases.empty());
    CHECK(items[0].line == 4);
    CHECK(items[1].bases ==
          std::vector<std::string>{m.base() + "/models/a", m.base() + "/models/b"});
}

TEST_CASE("TSV manifest: the header may follow comments, but only as the first other line") {
    ModelDirs m;
    CHECK(parse_manifest_tsv("# list\nid\tpath\nx\tmodels/a\n", "m", m.base()).size() == 1);
    // "id" as a later id is an item like any other (and its path must exist).
    CHECK_THROWS_AS(parse_manifest_tsv("x\tmodels/a\nid\tpath\n", "m", m.base()), InputError);
}

TEST_CASE("JSON manifest: object with items, or the bare array") {
    ModelDirs m;
    const auto a = parse_manifest_json(
        R"({"items": [{"id": "x", "path": "models/a", "bases": ["models/b"]}, {"id": "y", "path": "models/b"}]})",
        "m.json", m.base());
    REQUIRE(a.size() == 2);
    CHECK(a[0].bases == std::vector<std::string>{m.base() + "/models/b"});
    CHECK(a[1].line == 2);
    const auto b = parse_manifest_json(R"([{"id": "x", "path": "models/a", "bases": null}])",
                                       "m.json", m.base());
    CHECK(b.size() == 1);
}

TEST_CASE("read_manifest picks the format by extension and resolves against the file's folder") {
    ModelDirs m;
    write_bytes(m.dir / "list.tsv", "one\tmodels/a\n");
    write_bytes(m.dir / "list.json", R"({"items":[{"id":"one","path":"models/b"}]})");
    CHECK(read_manifest((m.dir / "list.tsv").string())[0].path == m.base() + "/models/a");
    CHECK(read_manifest((m.dir / "list.json").string())[0].path == m.base() + "/models/b");
    write_bytes(m.dir / "empty.tsv", "# nothing\n");
    CHECK(error_of([&] { read_manifest((m.dir / "empty.tsv").string()); }).find("lists no items") !=
          std::string::npos);
    CHECK(error_of([&] { read_manifest((m.dir / "absent.tsv").string()); }).find("cannot open") !=
          std::string::npos);
}

TEST_CASE("every malformed manifest is rejected, naming file and line") {
    ModelDirs m;
    const std::string b = m.base();
    struct Case {
        const char* name;
        std::string text;
        bool json;
        const char* expect;
    };
    const Case cases[] = {
        {"one field", "x\n", false, "m:1: expected ID<TAB>PATH"},
        {"spaces not tabs", "x models/a\n", false, "m:1: expected ID<TAB>PATH"},
        {"missing path", "ok\tmodels/a\nbad\tmodels/zzz\n", false,
         "m:2: path 'models/zzz' not found"},
        {"missing base", "ok\tmodels/a\tmodels/q\n", false, "m:1: base 'models/q' not found"},
        {"duplicate id", "x\tmodels/a\nx\tmodels/b\n", false, "m:2: id 'x' appears twice"},
        {"slash in id", "a/b\tmodels/a\n", false, "m:1: id 'a/b' must be"},
        {"dot id", "..\tmodels/a\n", false, "m:1: id '..' must be"},
        {"at sign in id", "a@b\tmodels/a\n", false, "m:1: id 'a@b' must be"},
        {"json not json", "{", true, "m: invalid JSON"},
        {"json no items", R"({"models": []})", true, "expected an object with \"items\""},
        {"json items not array", R"({"items": 3})", true, "must be an array"},
        {"json entry not object", R"([3])", true, "m:1: item 1 is not an object"},
        {"json id missing", R"([{"path": "models/a"}])", true, "\"id\" (a string) is missing"},
        {"json path number", R"([{"id": "x", "path": 3}])", true, "\"path\" (a string) is missing"},
        {"json bases string", R"([{"id": "x", "path": "models/a", "bases": "models/b"}])", true,
         "\"bases\" must be an array"},
        {"json base number", R"([{"id": "x", "path": "models/a", "bases": [1]}])", true,
         "\"bases\" must hold strings"},
        {"json empty path", R"([{"id": "x", "path": ""}])", true, "m:1: path is empty"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        const std::string e = error_of([&] {
            c.json ? parse_manifest_json(c.text, "m", b) : parse_manifest_tsv(c.text, "m", b);
        });
        CHECK_MESSAGE(e.find(c.expect) != std::string::npos, e);
    }
}

TEST_CASE("valid_item_id") {
    CHECK(valid_item_id("meta-llama_3.1-8B"));
    CHECK_FALSE(valid_item_id(""));
    CHECK_FALSE(valid_item_id(".hidden"));
    CHECK_FALSE(valid_item_id("a b"));
    CHECK_FALSE(valid_item_id(std::string(129, 'a')));
    CHECK(valid_item_id(std::string(128, 'a')));
}
