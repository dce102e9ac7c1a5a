// The weight probe's view of one model: its tensors with their roles (weights/tensor_roles.h) and a
// way to read one tensor at a time as fp32. Three implementations: a checkpoint on disk (memory-
// mapped, read tensor by tensor, so two 7B models are never both in memory), an in-memory model
// (tests, synthetic fixtures), and a transformed view of another model (the positive controls:
// noise, pruning, rotation applied lazily as each tensor is read).
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "weights/tensor_roles.h"

namespace lineage::weights {
class Checkpoint;
}

namespace lineage::probes::weights {

using MatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using lineage::weights::Component;
using lineage::weights::Role;

struct TensorRef {
    std::string name;
    lineage::weights::TensorRole role;
    std::vector<std::int64_t> shape;
    std::int64_t rows() const { return shape.empty() ? 1 : shape[0]; }
    std::int64_t cols() const {
        std::int64_t c = 1;
        for (std::size_t i = 1; i < shape.size(); ++i) c *= shape[i];
        return c;
    }
    std::int64_t elements() const { return rows() * cols(); }
};

// (role, layer, expert) identifies a tensor inside a model for pairing; the language-model tower
// only (other towers pair by name through `tower`).
using RoleKey = std::tuple<Role, int, int, std::string>;

class ModelView {
public:
    virtual ~ModelView() = default;
    virtual const std::string& label() const = 0;
    virtual const std::vector<TensorRef>& tensors() const = 0;
    // The tensor as a rows x cols fp32 matrix (vectors: 1 x n). Throws InputError on NaN/inf.
    virtual MatrixF read(const TensorRef& t) const = 0;
    // Stored bytes digest when the view is backed by files (empty otherwise: computed from fp32).
    virtual std::string stored_sha256(const TensorRef& t) const { return {}; }
    // Known config fields as (key, printed value), for the descriptive config overlap.
    virtual std::map<std::string, std::string> config_fields() const { return {}; }
    // Path of tokenizer.json next to the weights, if any.
    virtual std::optional<std::string> tokenizer_path() const { return std::nullopt; }

    // Lookup by role (first match; language model tower, weights not biases).
    const TensorRef* find(Role role, int layer = -1, int expert = -1) const;
    // Number of transformer blocks (1 + largest layer index seen).
    int num_layers() const;
    // Expert indices present in a layer (empty for a dense layer).
    std::vector<int> experts(int layer) const;
};

// A checkpoint opened through weights::Checkpoint (kept open for the view's lifetime).
class CheckpointView : public ModelView {
public:
    explicit CheckpointView(const std::string& path);
    ~CheckpointView() override;
    const std::string& label() const override { return label_; }
    const std::vector<TensorRef>& tensors() const override { return tensors_; }
    MatrixF read(const TensorRef& t) const override;
    std::string stored_sha256(const TensorRef& t) const override;
    std::map<std::string, std::string> config_fields() const override;
    std::optional<std::string> tokenizer_path() const override;

private:
    std::unique_ptr<lineage::weights::Checkpoint> ckpt_;
    std::string label_;
    std::vector<TensorRef> tensors_;
};

// Named fp32 tensors held in memory (tests and synthetic models).
class MemoryModel : public ModelView {
public:
    explicit MemoryModel(std::string label) : label_(std::move(label)) {}
    void add(const std::string& name, std::vector<std::int64_t> shape, std::vector<float> values);
    void add(const std::string& name, const MatrixF& m, bool as_vector = false);
    const std::string& label() const override { return label_; }
    const std::vector<TensorRef>& tensors() const override { return tensors_; }
    MatrixF read(const TensorRef& t) const override;

private:
    std::string label_;
    std::vector<TensorRef> tensors_;
    std::map<std::string, std::vector<float>> data_;
};

}  // namespace lineage::probes::weights
