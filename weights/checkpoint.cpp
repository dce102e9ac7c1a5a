// Checkpoint::open: locate the folder (locate.h), choose the weight files (an index, one file, or
// every *.safetensors), map and validate each file (formats/safetensors.h), check the files against
// each other and against the index (every listed tensor found in its shard, nothing unlisted, no
// tensor in two files), then read config.json. Nothing is returned unless everything checks out.
#include "weights/checkpoint.h"

#include <algorithm>
#include <unordered_map>

#include "weights/core/error.h"
#include "weights/core/mapped_file.h"
#include "weights/formats/safetensors.h"
#include "weights/formats/shard_index.h"
#include "weights/locate.h"

namespace lineage::weights {
namespace fs = std::filesystem;

struct Checkpoint::Impl {
    Location location;
    std::string source;
    std::vector<fs::path> files;
    std::vector<std::shared_ptr<MappedFile>> maps;
    std::vector<std::vector<std::pair<std::string, std::string>>> metadata;
    std::vector<TensorInfo> tensors;  // sorted by name
    std::optional<ModelConfig> config;
    std::optional<fs::path> index;
};

namespace {

constexpr const char* kIndexName = "model.safetensors.index.json";

// Tensor names come from the files: keep messages on one line.
std::string printable(std::string_view s) {
    std::string out;
    for (char c : s) out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7F ? '?' : c);
    return out.size() > 200 ? out.substr(0, 200) + "..." : out;
}

// The weight files of a folder, in shard order; fills `index` when the folder is sharded.
std::vector<fs::path> choose_files(const Location& loc, std::optional<ShardIndex>& index,
                                   std::optional<fs::path>& index_path) {
    if (loc.single_file) return {*loc.single_file};
    std::error_code ec;
    const fs::path idx = loc.root / kIndexName;
    if (fs::exists(fs::symlink_status(idx, ec))) {
        check_inside(idx, loc.trust_root);
        const auto map = MappedFile::open(idx.string());
        const auto bytes = map->bytes();
        index = parse_shard_index(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                                  idx.string());
        index_path = idx;
        if (index->shards.empty()) throw InputError(idx.string(), "weight_map lists no tensors");
        std::vector<fs::path> out;
        for (const auto& shard : index->shards) {
            const fs::path file = loc.root / shard;
            if (!fs::exists(fs::symlink_status(file, ec)))
                throw InputError(idx.string(), "shard '" + printable(shard) + "' is missing from " + loc.root.string());
            check_inside(file, loc.trust_root);
            if (!fs::is_regular_file(file, ec))
                throw InputError(file.string(), "shard is not a regular file (dangling symlink?)");
            out.push_back(file);
        }
        return out;
    }
    const fs::path single = loc.root / "model.safetensors";
    if (fs::exists(fs::symlink_status(single, ec))) return {single};

    std::vector<fs::path> found;
    std::string other_format;
    for (const auto& e : fs::directory_iterator(loc.root, ec)) {
        const auto name = e.path().filename().string();
        if (name.ends_with(".safetensors")) found.push_back(e.path());
        else if (name.ends_with(".bin") || name.ends_with(".pt") || name.ends_with(".pth") || name.ends_with(".gguf"))
            other_format = name;
    }
    if (ec) throw InputError(loc.root.string(), "cannot list folder: " + ec.message());
    std::sort(found.begin(), found.end());
    if (found.empty() && !other_format.empty())
        throw UnsupportedError(loc.root.string(), "holds '" + other_format +
                                                      "'; only safetensors weights are supported in this version");
    if (found.empty())
        throw InputError(loc.root.string(), "no weights found (no model.safetensors, " + std::string(kIndexName) +
                                                " or *.safetensors file)");
    for (const auto& f : found) check_inside(f, loc.trust_root);
    return found;
}

}  // namespace

Checkpoint Checkpoint::open(const std::string& path_or_model_id) {
    auto impl = std::make_unique<Impl>();
    impl->source = path_or_model_id;
    impl->location = locate_checkpoint(path_or_model_id);
    const Location& loc = impl->location;

    std::optional<ShardIndex> index;
    impl->files = choose_files(loc, index, impl->index);

    std::unordered_map<std::string, std::size_t> file_of;  // tensor name -> file number
    for (std::size_t f = 0; f < impl->files.size(); ++f) {
        const std::string where = impl->files[f].string();
        check_inside(impl->files[f], loc.trust_root);
        auto map = MappedFile::open(where);
        const auto header = parse_safetensors(map->bytes(), where);
        for (const auto& e : header.tensors) {
            auto [it, fresh] = file_of.emplace(e.name, f);
            if (!fresh)
                throw InputError(where, "tensor '" + printable(e.name) + "' is also in " + impl->files[it->second].string() +
                                            " (a tensor in two shards)");
            TensorInfo t;
            t.name = e.name;
            t.dtype = e.dtype;
            t.shape = e.shape;
            t.num_elements = e.num_elements;
            t.file = where;
            t.file_offset = header.data_offset + e.begin;
            t.bytes = map->bytes().subspan(t.file_offset, e.end - e.begin);
            impl->tensors.push_back(std::move(t));
        }
        impl->metadata.push_back(header.metadata);
        impl->maps.push_back(std::move(map));
    }

    if (index) {
        const std::string where = impl->index->string();
        std::unordered_map<std::string, std::string> listed(index->weight_map.begin(), index->weight_map.end());
        for (const auto& [name, shard] : index->weight_map) {
            auto it = file_of.find(name);
            if (it == file_of.end())
                throw InputError(where, "tensor '" + printable(name) + "' is listed in shard '" + printable(shard) + "' but no shard holds it");
            if (impl->files[it->second].filename() != shard)
                throw InputError(where, "tensor '" + printable(name) + "' is listed in shard '" + printable(shard) + "' but found in " +
                                            impl->files[it->second].string());
        }
        for (const auto& t : impl->tensors)
            if (!listed.count(t.name))
                throw InputError(t.file, "tensor '" + printable(t.name) + "' is not listed in " + std::string(kIndexName));
    }
    std::sort(impl->tensors.begin(), impl->tensors.end(),
              [](const TensorInfo& a, const TensorInfo& b) { return a.name < b.name; });

    Checkpoint cp(std::move(impl));
    if (auto config = cp.sibling("config.json")) cp.impl_->config = ModelConfig::load(*config);
    return cp;
}

Checkpoint::Checkpoint(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Checkpoint::Checkpoint(Checkpoint&&) noexcept = default;
Checkpoint& Checkpoint::operator=(Checkpoint&&) noexcept = default;
Checkpoint::~Checkpoint() = default;

const fs::path& Checkpoint::root() const { return impl_->location.root; }
const std::string& Checkpoint::source() const { return impl_->source; }
const std::vector<fs::path>& Checkpoint::files() const { return impl_->files; }
std::span<const TensorInfo> Checkpoint::tensors() const { return impl_->tensors; }

const TensorInfo* Checkpoint::find(std::string_view name) const {
    auto it = std::lower_bound(impl_->tensors.begin(), impl_->tensors.end(), name,
                               [](const TensorInfo& t, std::string_view n) { return t.name < n; });
    return it != impl_->tensors.end() && it->name == name ? &*it : nullptr;
}

const TensorInfo& Checkpoint::at(std::string_view name) const {
    if (const auto* t = find(name)) return *t;
    throw InputError(root().string(), "tensor '" + printable(name) + "' not found");
}

const std::optional<ModelConfig>& Checkpoint::config() const { return impl_->config; }

std::optional<fs::path> Checkpoint::sibling(std::string_view filename) const {
    std::error_code ec;
    const fs::path p = root() / fs::path(std::string(filename));
    if (!fs::exists(fs::symlink_status(p, ec))) return std::nullopt;
    check_inside(p, impl_->location.trust_root);
    if (!fs::exists(p, ec)) return std::nullopt;
    return p;
}

const std::vector<std::vector<std::pair<std::string, std::string>>>& Checkpoint::file_metadata() const {
    return impl_->metadata;
}
std::string_view Checkpoint::format() const { return "safetensors"; }
const std::optional<fs::path>& Checkpoint::index_file() const { return impl_->index; }
bool Checkpoint::from_hf_cache() const { return impl_->location.from_hf_cache; }
const std::string& Checkpoint::revision() const { return impl_->location.revision; }

}  // namespace lineage::weights
