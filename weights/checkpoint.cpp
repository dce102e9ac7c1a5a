// Checkpoint::open: locate the folder (locate.h), choose the weight files and their format from the
// format table (formats/weight_formats.h: an index, one default file, or every file of the first
// format found), read and validate each file with its format's reader, check the files against each
// other and against the index (every listed tensor found in its shard, nothing unlisted, no tensor
// in two files), read config.json (or the config the format synthesises), then run the quantised
// layout pass. Nothing is returned unless everything checks out.
#include "weights/checkpoint.h"

#include <algorithm>
#include <unordered_map>

#include "weights/core/error.h"
#include "weights/core/mapped_file.h"
#include "weights/formats/quantized_layouts.h"
#include "weights/formats/shard_index.h"
#include "weights/formats/weight_formats.h"
#include "weights/locate.h"

namespace lineage::weights {
namespace fs = std::filesystem;

struct Checkpoint::Impl {
    Location location;
    std::string source;
    const WeightFormat* format = nullptr;
    std::vector<fs::path> files;
    std::vector<std::shared_ptr<const void>> owners;  // mapped files and decoded buffers
    std::vector<std::vector<std::pair<std::string, std::string>>> metadata;
    std::vector<TensorInfo> tensors;  // sorted by name
    std::optional<ModelConfig> config;
    std::optional<fs::path> index;
    QuantizationSummary quantization;
};

namespace {

// Tensor names come from the files: keep messages on one line.
std::string printable(std::string_view s) {
    std::string out;
    for (char c : s) out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7F ? '?' : c);
    return out.size() > 200 ? out.substr(0, 200) + "..." : out;
}

// The shards a sharded folder's index lists, checked to exist inside the checkpoint.
std::vector<fs::path> files_of_index(const Location& loc, const fs::path& idx, std::optional<ShardIndex>& index) {
    std::error_code ec;
    check_inside(idx, loc.trust_root);
    const auto map = MappedFile::open(idx.string());
    const auto bytes = map->bytes();
    index = parse_shard_index(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                              idx.string());
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

// What a folder holds, for the "nothing found" messages.
std::string searched_names() {
    std::string out;
    for (const auto& f : weight_formats()) {
        if (!f.default_file.empty()) out += std::string(f.default_file) + ", ";
        if (!f.index_file.empty()) out += std::string(f.index_file) + ", ";
    }
    for (const auto& f : weight_formats())
        for (auto ext : f.extensions) out += "*" + std::string(ext) + ", ";
    return out.substr(0, out.size() - 2);
}

// The weight files of a checkpoint, in shard order, and their format; fills `index` when the folder
// is sharded. Formats are tried in table order: index file, then default file, then every file
// with one of the format's extensions.
std::vector<fs::path> choose_files(const Location& loc, const WeightFormat*& format, std::optional<ShardIndex>& index,
                                   std::optional<fs::path>& index_path) {
    if (loc.single_file) {
        format = format_for_file(*loc.single_file);
        if (!format) format = &weight_formats().front();  // historical behaviour: read as safetensors
        return {*loc.single_file};
    }
    std::error_code ec;
    for (const auto& f : weight_formats()) {
        if (!f.index_file.empty()) {
            const fs::path idx = loc.root / f.index_file;
            if (fs::exists(fs::symlink_status(idx, ec))) {
                format = &f;
                index_path = idx;
                return files_of_index(loc, idx, index);
            }
        }
        if (!f.default_file.empty()) {
            const fs::path single = loc.root / f.default_file;
            if (fs::exists(fs::symlink_status(single, ec))) {
                format = &f;
                return {single};
            }
        }
    }

    std::vector<fs::path> listing;
    for (const auto& e : fs::directory_iterator(loc.root, ec)) listing.push_back(e.path());
    if (ec) throw InputError(loc.root.string(), "cannot list folder: " + ec.message());
    std::sort(listing.begin(), listing.end());
    for (const auto& f : weight_formats()) {
        std::vector<fs::path> found;
        for (const auto& p : listing)
            if (format_for_file(p) == &f) found.push_back(p);
        if (found.empty()) continue;
        if (!f.many_files && found.size() > 1)
            throw UsageError(loc.root.string() + ": holds " + std::to_string(found.size()) + " " + std::string(f.name) +
                             " files (" + found[0].filename().string() + ", " + found[1].filename().string() +
                             ", ...); name the one to read");
        for (const auto& p : found) check_inside(p, loc.trust_root);
        format = &f;
        return found;
    }
    for (const auto& p : listing)
        for (auto ext : unsupported_weight_extensions())
            if (p.filename().string().ends_with(ext))
                throw UnsupportedError(loc.root.string(), "holds '" + p.filename().string() +
                                                              "', a weight format this version does not read");
    throw InputError(loc.root.string(), "no weights found (no " + searched_names() + " file)");
}

}  // namespace

Checkpoint Checkpoint::open(const std::string& path_or_model_id) {
    auto impl = std::make_unique<Impl>();
    impl->source = path_or_model_id;
    impl->location = locate_checkpoint(path_or_model_id);
    const Location& loc = impl->location;

    std::optional<ShardIndex> index;
    impl->files = choose_files(loc, impl->format, index, impl->index);

    std::optional<ModelConfig> synthesized;
    std::unordered_map<std::string, std::size_t> file_of;  // tensor name -> file number
    for (std::size_t f = 0; f < impl->files.size(); ++f) {
        const std::string where = impl->files[f].string();
        check_inside(impl->files[f], loc.trust_root);
        FormatContents contents = impl->format->read(impl->files[f]);
        for (auto& t : contents.tensors) {
            auto [it, fresh] = file_of.emplace(t.name, f);
            if (!fresh)
                throw InputError(where, "tensor '" + printable(t.name) + "' is also in " + impl->files[it->second].string() +
                                            " (a tensor in two shards)");
            impl->tensors.push_back(std::move(t));
        }
        impl->metadata.push_back(std::move(contents.metadata));
        for (auto& o : contents.owners) impl->owners.push_back(std::move(o));
        if (contents.config && !synthesized) synthesized = std::move(contents.config);
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
                throw InputError(t.file, "tensor '" + printable(t.name) + "' is not listed in " + std::string(impl->format->index_file));
    }

    Checkpoint cp(std::move(impl));
    Impl& in = *cp.impl_;
    if (auto config = cp.sibling("config.json")) in.config = ModelConfig::load(*config);
    else in.config = std::move(synthesized);

    // Quantised Hugging Face layouts (GPTQ, AWQ, ...) span tensors and config: one pass over the
    // whole checkpoint (formats/quantized_layouts.h, helper "pytorch").
    in.quantization = apply_quantized_layouts(in.tensors, in.owners, in.config, in.location.root);

    std::sort(in.tensors.begin(), in.tensors.end(),
              [](const TensorInfo& a, const TensorInfo& b) { return a.name < b.name; });
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
std::string_view Checkpoint::format() const { return impl_->format->name; }
const std::optional<fs::path>& Checkpoint::index_file() const { return impl_->index; }
const QuantizationSummary& Checkpoint::quantization() const { return impl_->quantization; }
bool Checkpoint::from_hf_cache() const { return impl_->location.from_hf_cache; }
const std::string& Checkpoint::revision() const { return impl_->location.revision; }

}  // namespace lineage::weights
