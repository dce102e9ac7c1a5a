// Tensor: a shape, an element type, a device and a shared storage with a byte offset. The storage
// is either memory the tensor owns (allocated by a Backend) or a read-only view of bytes that live
// elsewhere (a memory-mapped checkpoint), kept alive by a shared owner. Tensors are cheap handles:
// copying one shares the storage; row slices are views. Layout is always row-major, contiguous.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "weights/core/dtype.h"

namespace lineage::model {

using weights::DType;

enum class Device : std::uint8_t { cpu, cuda };

std::string_view device_name(Device d);

// A block of memory on one device. `release` frees it (nothing for borrowed views).
struct Storage {
    std::byte* data = nullptr;
    std::size_t bytes = 0;
    Device device = Device::cpu;
    bool read_only = false;
    std::function<void(std::byte*)> release;
    std::shared_ptr<const void> keep_alive;  // owner of borrowed bytes (e.g. a mapped file)

    Storage() = default;
    Storage(const Storage&) = delete;
    Storage& operator=(const Storage&) = delete;
    ~Storage() {
        if (release) release(data);
    }
};

class Tensor {
public:
    Tensor() = default;

    // Owned, 64-byte aligned host memory, zero-filled.
    static Tensor zeros_host(std::vector<std::int64_t> shape, DType dtype = DType::F32);
    // Read-only view of bytes owned by someone else; `keep_alive` (may be null) outlives the view.
    static Tensor view_host(std::span<const std::byte> bytes, std::vector<std::int64_t> shape, DType dtype,
                            std::shared_ptr<const void> keep_alive = nullptr);
    // Wraps a storage a backend allocated (device memory).
    static Tensor from_storage(std::shared_ptr<Storage> storage, std::vector<std::int64_t> shape, DType dtype);

    bool defined() const { return storage_ != nullptr; }
    const std::vector<std::int64_t>& shape() const { return shape_; }
    std::int64_t dim(std::size_t i) const { return shape_.at(i); }
    std::size_t rank() const { return shape_.size(); }
    std::int64_t numel() const;
    // Rows and columns of the tensor seen as a matrix (first dimension x the rest).
    std::int64_t rows() const { return shape_.empty() ? 1 : shape_[0]; }
    std::int64_t cols() const;
    DType dtype() const { return dtype_; }
    Device device() const { return storage_ ? storage_->device : Device::cpu; }
    bool read_only() const { return storage_ && storage_->read_only; }
    std::size_t byte_size() const;

    // Raw bytes (any device). Mutable access to a read-only view throws InternalError.
    const std::byte* bytes() const { return storage_->data + offset_; }
    std::byte* mutable_bytes();
    // fp32 element access (host or device pointer); throws InternalError for other dtypes.
    const float* f32() const;
    float* f32();
    std::span<const float> span_f32() const { return {f32(), static_cast<std::size_t>(numel())}; }
    std::span<float> span_f32() { return {f32(), static_cast<std::size_t>(numel())}; }

    // Rows [begin, end) along the first dimension: a view sharing this storage.
    Tensor slice_rows(std::int64_t begin, std::int64_t end) const;
    // Same storage, new shape with the same number of elements.
    Tensor reshaped(std::vector<std::int64_t> shape) const;

    std::string shape_string() const;  // "[2, 64]"

private:
    std::vector<std::int64_t> shape_;
    DType dtype_ = DType::F32;
    std::shared_ptr<Storage> storage_;
    std::size_t offset_ = 0;  // bytes from storage_->data
};

std::string shape_string(std::span<const std::int64_t> shape);

}  // namespace lineage::model
