// The format table (weight_formats.h) and the safetensors row's reader. Each row's reader lives
// with its format (safetensors.h, gguf_checkpoint.h, ...); this file only lists them.
#include "weights/formats/weight_formats.h"

#include <array>

#include "weights/core/mapped_file.h"
#include "weights/formats/gguf_checkpoint.h"
#include "weights/formats/pytorch_checkpoint.h"
#include "weights/formats/safetensors.h"

namespace lineage::weights {
namespace {

// One .safetensors file: zero-copy views into its memory map.
FormatContents read_safetensors_file(const std::filesystem::path& file) {
    const std::string where = file.string();
    auto map = MappedFile::open(where);
    const auto header = parse_safetensors(map->bytes(), where);
    FormatContents out;
    out.tensors.reserve(header.tensors.size());
    for (const auto& e : header.tensors) {
        TensorInfo t;
        t.name = e.name;
        t.dtype = e.dtype;
        t.shape = e.shape;
        t.num_elements = e.num_elements;
        t.file = where;
        t.file_offset = header.data_offset + e.begin;
        t.bytes = map->bytes().subspan(t.file_offset, e.end - e.begin);
        out.tensors.push_back(std::move(t));
    }
    out.metadata = header.metadata;
    out.owners.push_back(std::move(map));
    return out;
}

constexpr std::array<std::string_view, 1> kSafetensorsExt{".safetensors"};
constexpr std::array<std::string_view, 1> kGgufExt{".gguf"};

constexpr std::array<std::string_view, 3> kPytorchExt{".bin", ".pt", ".pth"};

constexpr std::array<WeightFormat, 3> kFormats{{
    {"safetensors", kSafetensorsExt, "model.safetensors.index.json", "model.safetensors", true,
     read_safetensors_file},
    // A folder may hold several quantisations of one model (x-f16.gguf, x-Q8_0.gguf): exactly one
    // .gguf file is accepted there; name the file to choose. Split GGUF files are not read yet.
    {"gguf", kGgufExt, "", "", false, read_gguf_checkpoint_file},
    // torch.save archives (pytorch_checkpoint.h). One file unless an index lists shards: folders
    // often also hold training_args.bin / optimizer.pt, which are not weights.
    {"pytorch", kPytorchExt, "pytorch_model.bin.index.json", "pytorch_model.bin", false,
     read_pytorch_checkpoint_file},
}};

// Flax and TensorFlow weights (flax_model.msgpack, tf_model.h5).
constexpr std::array<std::string_view, 2> kUnsupportedExt{".msgpack", ".h5"};

}  // namespace

std::span<const WeightFormat> weight_formats() { return kFormats; }

const WeightFormat* format_for_file(const std::filesystem::path& file) {
    const std::string name = file.filename().string();
    for (const auto& f : kFormats)
        for (auto ext : f.extensions)
            if (name.ends_with(ext)) return &f;
    return nullptr;
}

std::span<const std::string_view> unsupported_weight_extensions() { return kUnsupportedExt; }

}  // namespace lineage::weights
