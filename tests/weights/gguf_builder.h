// Writes small GGUF files byte by byte for tests (the malformed catalogue and the fuzz seeds), so
// every field can be set to a wrong value on purpose. A default GgufSpec is a valid v3 file: one
// string and one u32 metadata value and two F32 tensors of 2 x 32.
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace lineage::testing {

struct GgufTensorSpec {
    std::string name;
    std::vector<std::uint64_t> ne;  // ggml order
    std::uint32_t type = 0;         // F32
    std::uint64_t offset = 0;
};

// Little-endian appenders.
template <typename T>
inline void put(std::string& out, T v) {
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    out.append(b, sizeof(T));
}
inline void put_string(std::string& out, const std::string& s) {
    put<std::uint64_t>(out, s.size());
    out += s;
}
// One key/value: key, u32 type, then the already-encoded value bytes.
inline std::string gguf_kv(const std::string& key, std::uint32_t type, const std::string& value) {
    std::string out;
    put_string(out, key);
    put<std::uint32_t>(out, type);
    return out + value;
}
inline std::string u32_value(std::uint32_t v) {
    std::string s;
    put(s, v);
    return s;
}
inline std::string string_value(const std::string& v) {
    std::string s;
    put_string(s, v);
    return s;
}

struct GgufSpec {
    std::uint32_t magic = 0x46554747;
    std::uint32_t version = 3;
    std::vector<std::string> kvs = {gguf_kv("general.architecture", 8, string_value("llama")),
                                    gguf_kv("general.alignment", 4, u32_value(32))};
    std::vector<GgufTensorSpec> tensors = {{"token_embd.weight", {32, 2}, 0, 0}, {"output_norm.weight", {32, 2}, 0, 256}};
    std::uint64_t data_bytes = 512;   // bytes written after the aligned header
    std::uint64_t alignment = 32;     // padding used when writing (should match general.alignment)
    long long kv_count = -1;          // override the counts (-1: the real ones)
    long long tensor_count = -1;
    long long truncate_to = -1;       // cut the file to this many bytes

    std::string bytes() const {
        std::string out;
        put(out, magic);
        put(out, version);
        put<std::uint64_t>(out, tensor_count >= 0 ? static_cast<std::uint64_t>(tensor_count) : tensors.size());
        put<std::uint64_t>(out, kv_count >= 0 ? static_cast<std::uint64_t>(kv_count) : kvs.size());
        for (const auto& kv : kvs) out += kv;
        for (const auto& t : tensors) {
            put_string(out, t.name);
            put<std::uint32_t>(out, static_cast<std::uint32_t>(t.ne.size()));
            for (auto n : t.ne) put(out, n);
            put(out, t.type);
            put(out, t.offset);
        }
        while (out.size() % alignment != 0) out.push_back('\0');
        for (std::uint64_t i = 0; i < data_bytes; ++i) out.push_back(static_cast<char>(i * 7));
        if (truncate_to >= 0 && static_cast<std::size_t>(truncate_to) < out.size()) out.resize(static_cast<std::size_t>(truncate_to));
        return out;
    }
    void write(const std::string& path) const {
        std::ofstream f(path, std::ios::binary);
        const std::string b = bytes();
        f.write(b.data(), static_cast<std::streamsize>(b.size()));
    }
};

}  // namespace lineage::testing
