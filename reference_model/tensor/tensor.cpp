// Tensor storage management: aligned host allocation, borrowed views, slices and checked access.
#include "reference_model/tensor/tensor.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include "weights/core/error.h"

namespace lineage::model {

namespace {

std::uint64_t element_count(std::span<const std::int64_t> shape) {
    std::uint64_t n = 1;
    for (auto d : shape) {
        if (d < 0) throw InternalError("tensor: negative dimension in shape " + shape_string(shape));
        n *= static_cast<std::uint64_t>(d);
    }
    return n;
}

}  // namespace

std::string_view device_name(Device d) { return d == Device::cpu ? "cpu" : "cuda"; }

std::string shape_string(std::span<const std::int64_t> shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

Tensor Tensor::zeros_host(std::vector<std::int64_t> shape, DType dtype) {
    auto bytes = weights::bytes_for_elements(dtype, element_count(shape));
    if (!bytes) throw InternalError("tensor: size overflow for shape " + model::shape_string(shape));
    std::size_t size = (*bytes + 63) / 64 * 64;
    auto storage = std::make_shared<Storage>();
    storage->data = static_cast<std::byte*>(std::aligned_alloc(64, size == 0 ? 64 : size));
    if (!storage->data) throw std::bad_alloc();
    std::memset(storage->data, 0, size);
    storage->bytes = *bytes;
    storage->release = [](std::byte* p) { std::free(p); };
    return from_storage(std::move(storage), std::move(shape), dtype);
}

Tensor Tensor::view_host(std::span<const std::byte> bytes, std::vector<std::int64_t> shape, DType dtype,
                         std::shared_ptr<const void> keep_alive) {
    auto need = weights::bytes_for_elements(dtype, element_count(shape));
    if (!need || *need > bytes.size())
        throw InternalError("tensor: view of " + std::to_string(bytes.size()) + " bytes too small for " +
                            model::shape_string(shape));
    auto storage = std::make_shared<Storage>();
    storage->data = const_cast<std::byte*>(bytes.data());  // never written: read_only
    storage->bytes = bytes.size();
    storage->read_only = true;
    storage->keep_alive = std::move(keep_alive);
    return from_storage(std::move(storage), std::move(shape), dtype);
}

Tensor Tensor::from_storage(std::shared_ptr<Storage> storage, std::vector<std::int64_t> shape, DType dtype) {
    Tensor t;
    t.shape_ = std::move(shape);
    t.dtype_ = dtype;
    t.storage_ = std::move(storage);
    return t;
}

std::int64_t Tensor::numel() const { return static_cast<std::int64_t>(element_count(shape_)); }

std::int64_t Tensor::cols() const {
    std::int64_t c = 1;
    for (std::size_t i = 1; i < shape_.size(); ++i) c *= shape_[i];
    return c;
}

std::size_t Tensor::byte_size() const {
    return static_cast<std::size_t>(*weights::bytes_for_elements(dtype_, element_count(shape_)));
}

std::byte* Tensor::mutable_bytes() {
    if (read_only()) throw InternalError("tensor: write access to a read-only view");
    return storage_->data + offset_;
}

const float* Tensor::f32() const {
    if (dtype_ != DType::F32) throw InternalError("tensor: fp32 access to a " + std::string(weights::dtype_name(dtype_)) + " tensor");
    return reinterpret_cast<const float*>(bytes());
}

float* Tensor::f32() {
    if (dtype_ != DType::F32) throw InternalError("tensor: fp32 access to a " + std::string(weights::dtype_name(dtype_)) + " tensor");
    return reinterpret_cast<float*>(mutable_bytes());
}

Tensor Tensor::slice_rows(std::int64_t begin, std::int64_t end) const {
    if (shape_.empty() || begin < 0 || end < begin || end > shape_[0])
        throw InternalError("tensor: row slice [" + std::to_string(begin) + ", " + std::to_string(end) +
                            ") out of " + model::shape_string(shape_));
    std::size_t bits = weights::dtype_bits(dtype_);
    std::uint64_t row_bits = static_cast<std::uint64_t>(cols()) * bits;
    if ((row_bits * static_cast<std::uint64_t>(begin)) % 8 != 0)
        throw InternalError("tensor: row slice not byte aligned");
    // ggml block types (bits 0): rows are whole blocks (checked by the GGUF reader).
    if (weights::is_block_type(dtype_) && static_cast<std::uint64_t>(cols()) % weights::dtype_block_elements(dtype_) != 0)
        throw InternalError("tensor: row slice inside a quantisation block");
    const std::uint64_t skip = bits != 0 ? row_bits * static_cast<std::uint64_t>(begin) / 8
                                         : *weights::bytes_for_elements(dtype_, static_cast<std::uint64_t>(cols()) * static_cast<std::uint64_t>(begin));
    Tensor t = *this;
    t.shape_[0] = end - begin;
    t.offset_ += static_cast<std::size_t>(skip);
    return t;
}

Tensor Tensor::reshaped(std::vector<std::int64_t> shape) const {
    if (static_cast<std::int64_t>(element_count(shape)) != numel())
        throw InternalError("tensor: cannot reshape " + model::shape_string(shape_) + " to " + model::shape_string(shape));
    Tensor t = *this;
    t.shape_ = std::move(shape);
    return t;
}

std::string Tensor::shape_string() const { return model::shape_string(shape_); }

}  // namespace lineage::model
