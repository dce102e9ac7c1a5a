// A few evenly spaced blocks of a model, as a model of their own: the blocks renumbered 0..k-1,
// with the embeddings, final norm and lm_head kept and other towers left out. Wide models are
// probed through such samples where a cost must not grow with depth: the positive controls (a
// control detected on k of A's blocks is detected on all of them - every family only gains
// evidence from more strongly dependent layers) and the block-weight hidden map's examined layers.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "probes/weights/model_view.h"

namespace lineage::probes::weights {

// k layers of `layers`, evenly spaced, first and last included (all of them when layers <= k).
std::vector<int> evenly_spaced_layers(int layers, int k);

class LayerSampleView : public ModelView {
public:
    // `parent` must outlive the view; `layers` ascending, each < parent.num_layers().
    LayerSampleView(const ModelView& parent, std::vector<int> layers);
    const std::string& label() const override { return label_; }
    const std::vector<TensorRef>& tensors() const override { return tensors_; }
    MatrixF read(const TensorRef& t) const override;
    std::string stored_sha256(const TensorRef& t) const override;
    std::map<std::string, std::string> config_fields() const override;
    std::optional<std::string> tokenizer_path() const override { return parent_.tokenizer_path(); }
    // The parent's layer indices, in the view's order.
    const std::vector<int>& layers() const { return layers_; }

private:
    const TensorRef& parent_ref(const TensorRef& t) const;
    const ModelView& parent_;
    std::vector<int> layers_;
    std::string label_;
    std::vector<TensorRef> tensors_;
    std::vector<std::size_t> parent_index_;  // by index into tensors_
};

}  // namespace lineage::probes::weights
