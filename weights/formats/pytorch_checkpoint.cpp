// torch.save archives into tensors (format and rules in pytorch_checkpoint.h): find the one
// data.pkl, unpickle it with the restricted reader, then bind every tensor to its storage entry.
#include "weights/formats/pytorch_checkpoint.h"

#include <cstring>
#include <limits>
#include <string_view>

#include "weights/core/error.h"
#include "weights/core/mapped_file.h"
#include "weights/formats/torch_pickle.h"
#include "weights/formats/zip_archive.h"

namespace lineage::weights {
namespace {

constexpr std::string_view kLegacyHint =
    "; re-save it with torch.save from PyTorch >= 1.6 (the zip format) or convert it to "
    "safetensors";

bool is_legacy_pickle(std::span<const std::byte> b) {
    return b.size() >= 2 && static_cast<std::uint8_t>(b[0]) == 0x80 &&
           static_cast<std::uint8_t>(b[1]) <= 5;
}
bool is_tar(std::span<const std::byte> b) {
    return b.size() >= 262 && std::memcmp(b.data() + 257, "ustar", 5) == 0;
}

// The one "<prefix>/data.pkl" of the archive; returns the prefix ("archive/").
std::string find_prefix(const ZipArchive& zip, const std::string& where) {
    std::string prefix;
    int count = 0;
    for (const auto& e : zip.entries()) {
        if (!e.name.ends_with("data.pkl")) continue;
        const std::string p = e.name.substr(0, e.name.size() - 8);
        if (!(p.empty() || (p.back() == '/' && p.find('/') == p.size() - 1)))
            continue;  // only <dir>/data.pkl
        prefix = p;
        ++count;
    }
    if (count == 0)
        throw InputError(where, "zip archive holds no data.pkl: not a torch.save checkpoint");
    if (count > 1)
        throw InputError(where, "zip archive holds " + std::to_string(count) + " data.pkl files");
    return prefix;
}

// Checked: the index of the furthest element + 1 ("extent") of a strided view; nullopt on overflow.
std::optional<std::uint64_t> extent(const PickledTensor& t) {
    std::uint64_t last = static_cast<std::uint64_t>(t.storage_offset);
    for (std::size_t d = 0; d < t.shape.size(); ++d) {
        if (t.shape[d] == 0) return static_cast<std::uint64_t>(t.storage_offset);  // no elements
        const auto span = static_cast<std::uint64_t>(t.shape[d] - 1);
        const auto stride = static_cast<std::uint64_t>(t.stride[d]);
        if (stride && span > (std::numeric_limits<std::uint64_t>::max() - last) / stride)
            return std::nullopt;
        last += span * stride;
    }
    if (last == std::numeric_limits<std::uint64_t>::max()) return std::nullopt;
    return last + 1;
}

bool row_major(const PickledTensor& t) {
    std::int64_t expect = 1;
    for (std::size_t d = t.shape.size(); d-- > 0;) {
        if (t.shape[d] != 1 && t.stride[d] != expect) return false;
        expect *= t.shape[d];
    }
    return true;
}

// Gathers a strided view into a row-major buffer (shapes are at most 64-D; sizes already checked).
std::shared_ptr<std::vector<std::byte>> gather(const PickledTensor& t,
                                               std::span<const std::byte> storage,
                                               std::uint64_t count, std::size_t esize) {
    auto out = std::make_shared<std::vector<std::byte>>(count * esize);
    std::vector<std::int64_t> index(t.shape.size(), 0);
    for (std::uint64_t n = 0; n < count; ++n) {
        std::uint64_t src = static_cast<std::uint64_t>(t.storage_offset);
        for (std::size_t d = 0; d < index.size(); ++d)
            src += static_cast<std::uint64_t>(index[d] * t.stride[d]);
        std::memcpy(out->data() + n * esize, storage.data() + src * esize, esize);
        for (std::size_t d = index.size(); d-- > 0;) {
            if (++index[d] < t.shape[d]) break;
            index[d] = 0;
        }
    }
    return out;
}

}  // namespace

FormatContents read_pytorch_checkpoint_file(const std::filesystem::path& file) {
    const std::string where = file.string();
    auto map = MappedFile::open(where);
    const auto bytes = map->bytes();
    if (!ZipArchive::looks_like_zip(bytes)) {
        if (is_legacy_pickle(bytes))
            throw UnsupportedError(where,
                                   "legacy (pre-1.6, non-zip) torch.save format is not supported" +
                                       std::string(kLegacyHint));
        if (is_tar(bytes))
            throw UnsupportedError(where, "legacy tar-format torch.save file is not supported" +
                                              std::string(kLegacyHint));
        throw InputError(where,
                         "not a torch.save checkpoint (no zip signature at the start of the file)");
    }
    const ZipArchive zip = ZipArchive::parse(bytes, where);
    const std::string prefix = find_prefix(zip, where);
    if (const auto* order = zip.find(prefix + "byteorder")) {
        const auto b = zip.data(*order);
        const std::string_view text(reinterpret_cast<const char*>(b.data()), b.size());
        if (text == "big")
            throw UnsupportedError(where, "big-endian torch.save files are not supported");
        if (text != "little")
            throw InputError(where, "byteorder entry is neither 'little' nor 'big'");
    }
    const auto* pkl = zip.find(prefix + "data.pkl");
    const PickledStateDict state = parse_torch_pickle(zip.data(*pkl), where + ":" + pkl->name);

    FormatContents out;
    out.tensors.reserve(state.tensors.size());
    for (const auto& p : state.tensors) {
        const std::string what = "tensor '" + p.name.substr(0, 200) + "': ";
        const auto* entry = zip.find(prefix + "data/" + p.storage_key);
        if (!entry)
            throw InputError(where,
                             what + "storage '" + p.storage_key + "' is missing from the archive");
        const auto storage = zip.data(*entry);
        if (storage.size() != p.storage_bytes)
            throw InputError(where, what + "storage '" + p.storage_key + "' holds " +
                                        std::to_string(storage.size()) +
                                        " bytes but the pickle says " +
                                        std::to_string(p.storage_bytes));
        const std::size_t esize = dtype_size(p.dtype);
        std::uint64_t count = 1;
        for (auto d : p.shape) {
            if (d != 0 &&
                count > std::numeric_limits<std::uint64_t>::max() / static_cast<std::uint64_t>(d))
                throw InputError(where, what + "element count overflows 64 bits");
            count *= static_cast<std::uint64_t>(d);
        }
        if (count > storage.size() / esize)
            throw UnsupportedError(
                where,
                what + "has more elements than its storage (an expanded view, saved as such)");
        const auto end = extent(p);
        if (!end || *end > storage.size() / esize)
            throw InputError(where, what + "view (offset " + std::to_string(p.storage_offset) +
                                        ") reaches past the end of its storage (" +
                                        std::to_string(storage.size()) + " bytes)");

        TensorInfo t;
        t.name = p.name;
        t.dtype = p.dtype;
        t.shape = p.shape;
        t.num_elements = count;
        t.file = where;
        if (count == 0) {
            t.file_offset = entry->data_offset;
        } else if (row_major(p)) {
            const std::uint64_t begin = static_cast<std::uint64_t>(p.storage_offset) * esize;
            t.file_offset = entry->data_offset + begin;
            t.bytes = storage.subspan(begin, count * esize);
        } else {
            // Memory: one copy of this tensor (a view saved with non-row-major strides is rare).
            auto buffer = gather(p, storage, count, esize);
            t.file_offset = entry->data_offset;
            t.bytes = std::span<const std::byte>(buffer->data(), buffer->size());
            out.owners.push_back(std::move(buffer));
        }
        out.tensors.push_back(std::move(t));
    }
    if (!state.ignored_keys.empty()) {
        std::string keys;
        for (const auto& k : state.ignored_keys)
            keys += (keys.empty() ? "" : ", ") + k.substr(0, 100);
        out.metadata.emplace_back("pytorch.ignored_entries", keys.substr(0, 2000));
    }
    out.owners.push_back(std::move(map));
    return out;
}

}  // namespace lineage::weights
