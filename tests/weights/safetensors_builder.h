// Test helper: writes safetensors files (well-formed or deliberately broken) and folders of them in
// a fresh temporary directory that is removed when the TempDir goes out of scope.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace lineage::testing {

class TempDir {
public:
    TempDir() {
        std::random_device rd;
        path_ = std::filesystem::temp_directory_path() / ("lineage-test-" + std::to_string(rd()) + std::to_string(rd()));
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

inline std::string le64(std::uint64_t n) {
    std::string s(8, '\0');
    for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((n >> (8 * i)) & 0xFF);
    return s;
}

inline void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A safetensors file: length prefix (the real one unless overridden), header text, data bytes.
inline std::string safetensors_bytes(const std::string& header, const std::string& data,
                                     std::int64_t length_override = -1) {
    const std::uint64_t n = length_override >= 0 ? static_cast<std::uint64_t>(length_override) : header.size();
    return le64(n) + header + data;
}

// One F32 tensor entry of a header: "name": {"dtype":"F32","shape":[n],"data_offsets":[b,e]}.
inline std::string f32_entry(const std::string& name, std::uint64_t n, std::uint64_t begin) {
    return "\"" + name + "\":{\"dtype\":\"F32\",\"shape\":[" + std::to_string(n) + "],\"data_offsets\":[" +
           std::to_string(begin) + "," + std::to_string(begin + 4 * n) + "]}";
}

// A valid file holding F32 tensors of the given names and sizes, values 0, 1, 2, ...
inline std::string valid_f32_file(const std::vector<std::pair<std::string, std::uint64_t>>& tensors) {
    std::string header = "{", data;
    std::uint64_t off = 0;
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        if (i) header += ",";
        header += f32_entry(tensors[i].first, tensors[i].second, off);
        for (std::uint64_t k = 0; k < tensors[i].second; ++k) {
            float v = static_cast<float>(k);
            data.append(reinterpret_cast<const char*>(&v), 4);
        }
        off += 4 * tensors[i].second;
    }
    return safetensors_bytes(header + "}", data);
}

}  // namespace lineage::testing
