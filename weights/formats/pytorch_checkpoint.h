// Legacy PyTorch weight files (pytorch_model.bin, *.pt, *.pth) as written by torch.save since
// PyTorch 1.6: a ZIP archive (zip_archive.h) holding
//
//   <archive>/data.pkl          the state_dict, pickled (read by torch_pickle.h, never executed)
//   <archive>/data/<key>        the raw little-endian bytes of each storage, stored uncompressed
//   <archive>/byteorder         "little" (absent in old files: little then too)
//   <archive>/version, .format_version, .storage_alignment, .data/serialization_id   (ignored)
//
// Each tensor becomes a zero-copy view into its storage when its strides are row-major contiguous;
// otherwise (a transposed or sliced view saved as such) its elements are gathered into an owned
// buffer. Storages shared by several tensors (tied weights) are simply viewed twice. Rules: every
// storage entry exists, is stored, and has exactly the byte size the pickle states; every tensor's
// furthest element lies inside its storage (checked arithmetic). Pre-1.6 files (a bare pickle
// stream, or the even older tar layout) are refused with UnsupportedError and a hint.
#pragma once

#include <filesystem>

#include "weights/formats/weight_formats.h"

namespace lineage::weights {

// The format-table reader of one torch.save file. Throws InputError/UnsupportedError naming it.
FormatContents read_pytorch_checkpoint_file(const std::filesystem::path& file);

}  // namespace lineage::weights
