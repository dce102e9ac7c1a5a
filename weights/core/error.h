// The one exception hierarchy of Lineage. Errors are thrown with context where they happen (file,
// tensor, field) and caught only in main(), which maps each kind to a documented exit code.
// Messages are one line: "<path>: tensor 'x': <problem> (expected E, got G)", plus a hint if any.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace lineage {

// Exit codes of the `lineage` executable (documented in README.md and `lineage --help`).
enum class ExitCode : int {
    ok = 0,             // success; audit: pass / independent
    finding = 1,        // audit: fail (a component derived); compare/probe: derived
    usage = 2,          // bad command line
    bad_input = 3,      // malformed or inconsistent input file
    unsupported = 4,    // valid input that this version cannot handle (architecture, dtype, format)
    device = 5,         // requested device unavailable or failed
    inconclusive = 6,   // audit/compare: the evidence decides neither way
    internal = 70,      // a bug in Lineage
};

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
    virtual ExitCode exit_code() const { return ExitCode::internal; }
};

// The command line is wrong (unknown option value, missing argument, contradictory flags).
class UsageError : public Error {
public:
    using Error::Error;
    ExitCode exit_code() const override { return ExitCode::usage; }
};

// An input file is malformed, truncated, inconsistent or hostile.
class InputError : public Error {
public:
    using Error::Error;
    // "<path>: <problem>"
    InputError(std::string_view path, std::string_view problem)
        : Error(std::string(path) + ": " + std::string(problem)) {}
    ExitCode exit_code() const override { return ExitCode::bad_input; }
};

// Well-formed input that this version does not support (an unknown architecture, dtype or format).
class UnsupportedError : public Error {
public:
    using Error::Error;
    UnsupportedError(std::string_view path, std::string_view problem)
        : Error(std::string(path) + ": " + std::string(problem)) {}
    ExitCode exit_code() const override { return ExitCode::unsupported; }
};

// A compute device was requested but is missing, or it failed (CUDA/cuBLAS errors).
class DeviceError : public Error {
public:
    using Error::Error;
    ExitCode exit_code() const override { return ExitCode::device; }
};

// A broken invariant inside Lineage: a bug, never the user's fault.
class InternalError : public Error {
public:
    using Error::Error;
    ExitCode exit_code() const override { return ExitCode::internal; }
};

}  // namespace lineage
