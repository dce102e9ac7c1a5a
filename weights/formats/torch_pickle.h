// A restricted reader of the pickle (data.pkl) inside a torch.save archive. It never executes
// anything: it is a stack machine over the opcodes torch.save emits (protocol 2, plus the few of
// protocols 3-4 that a `pickle_protocol=4` save adds), whose only "calls" are an allow-list of
// constructors it re-implements itself:
//
//   collections.OrderedDict()                                   -> a dict
//   torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, meta])
//   torch._utils._rebuild_tensor_v3(storage, offset, size, stride, requires_grad, hooks, dtype[,
//   meta]) torch._utils._rebuild_parameter(tensor, requires_grad, hooks) -> the tensor
//   torch.<Type>Storage, torch.storage.UntypedStorage, torch.<dtype>   (values, never called)
//
// A storage is a persistent id ('storage', <storage type>, '<key>', '<location>', numel) handed to
// BINPERSID; its bytes are the archive entry data/<key>. Any other global (os.system,
// builtins.eval, numpy...), any other opcode (INST, OBJ, NEWOBJ, EXT*, text PERSID, ...), a REDUCE
// of anything but the allow-list, or a malformed argument is an InputError naming the file, the
// byte offset and the global or opcode. Memory is bounded by the input: each opcode creates at most
// one object in an arena (no reference counting, so a self-referencing list can neither leak nor
// recurse).
//
// The result is the tensors of the top-level dict (or of its "state_dict" / "model" / "module"
// entry when the top level holds no tensors, as training checkpoints do); other entries (ints,
// strings, optimizer state) are listed by name and otherwise ignored.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "weights/core/dtype.h"

namespace lineage::weights {

struct PickledTensor {
    std::string name;
    std::string storage_key;          // the archive entry is "<prefix>/data/<storage_key>"
    DType dtype = DType::F32;         // element type of the tensor
    std::uint64_t storage_bytes = 0;  // size of the whole storage in bytes, as the pickle states it
    std::int64_t storage_offset = 0;  // in elements of `dtype`
    std::vector<std::int64_t> shape;
    std::vector<std::int64_t> stride;  // in elements
};

struct PickledStateDict {
    std::vector<PickledTensor> tensors;     // in pickle order
    std::vector<std::string> ignored_keys;  // top-level entries that are not tensors
};

// Parses `pickle` (the bytes of data.pkl). `where` names the file in errors ("x.bin:data.pkl").
// Throws InputError on anything outside the allow-list; UnsupportedError for a torch storage class
// or dtype this version has no DType for (complex128, quantised qint8 storages, ...).
PickledStateDict parse_torch_pickle(std::span<const std::byte> pickle, const std::string& where);

// The DType of a typed storage class name ("FloatStorage" -> F32) or of a torch dtype attribute
// name ("bfloat16" -> BF16, "float8_e4m3fn" -> F8_E4M3); nullopt when unknown.
std::optional<DType> torch_storage_dtype(const std::string& class_name);
std::optional<DType> torch_dtype(const std::string& attribute_name);

}  // namespace lineage::weights
