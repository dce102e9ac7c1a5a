#include <doctest/doctest.h>
#include "weights/core/error.h"
TEST_CASE("errors map to their exit codes") {
    CHECK(lineage::InputError("a.safetensors", "truncated").exit_code() == lineage::ExitCode::bad_input);
    CHECK(std::string(lineage::InputError("a.safetensors", "truncated").what()) == "a.safetensors: truncated");
}
