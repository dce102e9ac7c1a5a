// Evenly spaced block samples of a model (see layer_sample_view.h).
#include "probes/weights/layer_sample_view.h"

#include <algorithm>

namespace lineage::probes::weights {

std::vector<int> evenly_spaced_layers(int layers, int k) {
    std::vector<int> out;
    if (layers <= 0) return out;
    if (k <= 1 || layers <= k) {
        for (int l = 0; l < layers && (k > 1 || l == 0); ++l) out.push_back(l);
        return out;
    }
    for (int i = 0; i < k; ++i) {
        const int l = static_cast<int>(static_cast<long long>(i) * (layers - 1) / (k - 1));
        if (out.empty() || out.back() != l) out.push_back(l);
    }
    return out;
}

LayerSampleView::LayerSampleView(const ModelView& parent, std::vector<int> layers)
    : parent_(parent), layers_(std::move(layers)) {
    label_ = parent.label() + " (layers";
    for (std::size_t k = 0; k < layers_.size(); ++k) label_ += (k ? "," : " ") + std::to_string(layers_[k]);
    label_ += ")";
    for (std::size_t i = 0; i < parent.tensors().size(); ++i) {
        TensorRef t = parent.tensors()[i];
        if (!t.role.tower.empty()) continue;  // other towers: not part of the language model
        if (t.role.layer >= 0) {
            const auto it = std::find(layers_.begin(), layers_.end(), t.role.layer);
            if (it == layers_.end()) continue;
            t.role.layer = static_cast<int>(it - layers_.begin());
        }
        tensors_.push_back(std::move(t));
        parent_index_.push_back(i);
    }
}

const TensorRef& LayerSampleView::parent_ref(const TensorRef& t) const {
    return parent_.tensors()[parent_index_[static_cast<std::size_t>(&t - tensors_.data())]];
}

MatrixF LayerSampleView::read(const TensorRef& t) const { return parent_.read(parent_ref(t)); }

std::string LayerSampleView::stored_sha256(const TensorRef& t) const {
    return parent_.stored_sha256(parent_ref(t));
}

std::map<std::string, std::string> LayerSampleView::config_fields() const {
    auto f = parent_.config_fields();
    if (f.count("num_layers")) f["num_layers"] = std::to_string(layers_.size());
    return f;
}

}  // namespace lineage::probes::weights
