// The restricted unpickler of torch_pickle.h. Objects live in one arena (a vector) and refer to
// each other by index; the pickle stack, the mark stack and the memo hold indices. Opcodes are a
// switch over the small allowed set; globals are looked up in two tables (callables, values).
#include "weights/formats/torch_pickle.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <limits>
#include <string_view>
#include <unordered_map>

#include "weights/core/error.h"

namespace lineage::weights {
namespace {

enum class Kind : std::uint8_t {
    None,
    Bool,
    Int,
    Float,
    Str,
    Tuple,
    List,
    Dict,
    Global,
    Storage,
    Tensor
};

enum class Global : std::uint8_t {
    OrderedDict,
    RebuildTensorV2,
    RebuildTensorV3,
    RebuildParameter,  // callables
    StorageType,
    DTypeValue,  // values
};

struct Obj {
    Kind kind = Kind::None;
    std::int64_t i = 0;                // Bool, Int; Global: the Global enum; Storage/Tensor: index
    double f = 0;                      // Float
    std::string s;                     // Str; Global: "module.name"
    std::vector<std::uint32_t> items;  // Tuple, List; Dict: key, value, key, value...
    std::optional<DType> dtype;        // Global StorageType / DTypeValue (nullopt: untyped storage)
};

struct Storage {
    std::string key;
    std::optional<DType> dtype;  // nullopt for UntypedStorage (numel is then in bytes)
    std::uint64_t numel = 0;
};

struct TensorArgs {
    std::uint32_t storage = 0;
    DType dtype = DType::F32;
    std::int64_t offset = 0;
    std::vector<std::int64_t> shape, stride;
};

struct NamedDType {
    std::string_view name;
    DType dtype;
};

// torch/storage.py's typed storage classes, by the element type they hold.
constexpr std::array kStorageTypes = {
    NamedDType{"DoubleStorage", DType::F64},       NamedDType{"FloatStorage", DType::F32},
    NamedDType{"HalfStorage", DType::F16},         NamedDType{"BFloat16Storage", DType::BF16},
    NamedDType{"LongStorage", DType::I64},         NamedDType{"IntStorage", DType::I32},
    NamedDType{"ShortStorage", DType::I16},        NamedDType{"CharStorage", DType::I8},
    NamedDType{"ByteStorage", DType::U8},          NamedDType{"BoolStorage", DType::BOOL},
    NamedDType{"ComplexFloatStorage", DType::C64},
};

// torch.<dtype> attributes that _rebuild_tensor_v3 receives.
constexpr std::array kDTypes = {
    NamedDType{"float64", DType::F64},
    NamedDType{"double", DType::F64},
    NamedDType{"float32", DType::F32},
    NamedDType{"float", DType::F32},
    NamedDType{"float16", DType::F16},
    NamedDType{"half", DType::F16},
    NamedDType{"bfloat16", DType::BF16},
    NamedDType{"float8_e4m3fn", DType::F8_E4M3},
    NamedDType{"float8_e5m2", DType::F8_E5M2},
    NamedDType{"float8_e4m3fnuz", DType::F8_E4M3FNUZ},
    NamedDType{"float8_e5m2fnuz", DType::F8_E5M2FNUZ},
    NamedDType{"float8_e8m0fnu", DType::F8_E8M0},
    NamedDType{"int64", DType::I64},
    NamedDType{"long", DType::I64},
    NamedDType{"int32", DType::I32},
    NamedDType{"int", DType::I32},
    NamedDType{"int16", DType::I16},
    NamedDType{"short", DType::I16},
    NamedDType{"int8", DType::I8},
    NamedDType{"uint8", DType::U8},
    NamedDType{"uint16", DType::U16},
    NamedDType{"uint32", DType::U32},
    NamedDType{"uint64", DType::U64},
    NamedDType{"bool", DType::BOOL},
    NamedDType{"complex64", DType::C64},
};

constexpr std::size_t kMaxDims = 64;

std::string shown(std::string_view s) {
    std::string out = "'";
    for (char c : s.substr(0, 120))
        out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7F ? '?' : c);
    return out + (s.size() > 120 ? "...'" : "'");
}

std::string hex_byte(std::uint8_t b) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "0x";
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xF]);
    if (b >= 0x20 && b < 0x7F) out += std::string(" '") + static_cast<char>(b) + "'";
    return out;
}

class Unpickler {
  public:
    Unpickler(std::span<const std::byte> data, const std::string& where)
        : data_(data), where_(where) {}

    PickledStateDict run();

  private:
    [[noreturn]] void fail(const std::string& problem) const {
        throw InputError(where_, "pickle offset " + std::to_string(op_at_) + ": " + problem);
    }

    // --- reading the byte stream
    std::uint8_t byte() {
        if (pos_ >= data_.size()) fail("truncated pickle (no STOP opcode)");
        return static_cast<std::uint8_t>(data_[pos_++]);
    }
    std::uint64_t le(int width) {
        std::uint64_t v = 0;
        for (int i = 0; i < width; ++i) v |= static_cast<std::uint64_t>(byte()) << (8 * i);
        return v;
    }
    std::string_view take(std::uint64_t n) {
        if (n > data_.size() - pos_) fail("truncated pickle (a string runs past the end)");
        std::string_view s(reinterpret_cast<const char*>(data_.data()) + pos_,
                           static_cast<std::size_t>(n));
        pos_ += n;
        return s;
    }
    std::string_view line() {
        const std::size_t start = pos_;
        while (true) {
            if (pos_ >= data_.size()) fail("truncated pickle (GLOBAL name without newline)");
            if (data_[pos_++] == std::byte{'\n'}) break;
            if (pos_ - start > 256) fail("GLOBAL name longer than 256 bytes");
        }
        return {reinterpret_cast<const char*>(data_.data()) + start, pos_ - start - 1};
    }

    // --- the arena and the stacks
    std::uint32_t make(Obj o) {
        arena_.push_back(std::move(o));
        return static_cast<std::uint32_t>(arena_.size() - 1);
    }
    std::uint32_t make_kind(Kind k, std::int64_t i = 0) {
        Obj o;
        o.kind = k;
        o.i = i;
        return make(std::move(o));
    }
    void push(std::uint32_t id) { stack_.push_back(id); }
    std::uint32_t pop() {
        if (stack_.size() <= base()) fail("stack underflow");
        const auto id = stack_.back();
        stack_.pop_back();
        return id;
    }
    std::uint32_t top() {
        if (stack_.size() <= base()) fail("stack underflow");
        return stack_.back();
    }
    std::size_t base() const { return marks_.empty() ? 0 : marks_.back(); }
    std::vector<std::uint32_t> pop_to_mark() {
        if (marks_.empty()) fail("no MARK on the stack");
        const std::size_t m = marks_.back();
        marks_.pop_back();
        std::vector<std::uint32_t> items(stack_.begin() + static_cast<std::ptrdiff_t>(m),
                                         stack_.end());
        stack_.resize(m);
        return items;
    }
    std::uint32_t tuple(std::vector<std::uint32_t> items) {
        Obj o;
        o.kind = Kind::Tuple;
        o.items = std::move(items);
        return make(std::move(o));
    }
    Obj& container(std::uint32_t id, Kind k, const char* op) {
        if (arena_[id].kind != k)
            fail(std::string(op) + " on an object that is not a " +
                 (k == Kind::Dict ? "dict" : "list"));
        return arena_[id];
    }

    // --- typed access to arguments
    std::int64_t as_int(std::uint32_t id, const char* what) const {
        if (arena_[id].kind != Kind::Int && arena_[id].kind != Kind::Bool)
            fail(std::string(what) + " is not an integer");
        return arena_[id].i;
    }
    const std::string& as_str(std::uint32_t id, const char* what) const {
        if (arena_[id].kind != Kind::Str) fail(std::string(what) + " is not a string");
        return arena_[id].s;
    }
    std::vector<std::int64_t> as_dims(std::uint32_t id, const char* what) const {
        if (arena_[id].kind != Kind::Tuple) fail(std::string(what) + " is not a tuple");
        if (arena_[id].items.size() > kMaxDims)
            fail(std::string(what) + " has more than 64 dimensions");
        std::vector<std::int64_t> out;
        for (auto item : arena_[id].items) {
            const auto v = as_int(item, what);
            if (v < 0) fail(std::string(what) + " holds a negative value");
            out.push_back(v);
        }
        return out;
    }

    void op_global(std::string_view module, std::string_view name);
    void op_reduce();
    void op_persid();
    std::uint32_t rebuild_tensor(const std::vector<std::uint32_t>& args, bool v3);
    PickledStateDict extract(std::uint32_t root) const;

    std::span<const std::byte> data_;
    const std::string& where_;
    std::size_t pos_ = 0, op_at_ = 0;
    std::vector<Obj> arena_;
    std::vector<std::uint32_t> stack_;
    std::vector<std::size_t> marks_;
    std::unordered_map<std::uint64_t, std::uint32_t> memo_;
    std::vector<Storage> storages_;
    std::vector<TensorArgs> tensors_;
};

void Unpickler::op_global(std::string_view module, std::string_view name) {
    Obj o;
    o.kind = Kind::Global;
    o.s = std::string(module) + "." + std::string(name);
    auto allowed = [&]() -> bool {
        if (module == "collections" && name == "OrderedDict")
            return o.i = int(Global::OrderedDict), true;
        if (module == "torch._utils" && name == "_rebuild_tensor_v2")
            return o.i = int(Global::RebuildTensorV2), true;
        if (module == "torch._utils" && name == "_rebuild_tensor_v3")
            return o.i = int(Global::RebuildTensorV3), true;
        if (module == "torch._utils" && name == "_rebuild_parameter")
            return o.i = int(Global::RebuildParameter), true;
        if ((module == "torch.storage" || module == "torch") && name == "UntypedStorage")
            return o.i = int(Global::StorageType), true;  // dtype stays nullopt
        if (module == "torch") {
            if (auto t = torch_storage_dtype(std::string(name)))
                return o.i = int(Global::StorageType), o.dtype = t, true;
            if (auto t = torch_dtype(std::string(name)))
                return o.i = int(Global::DTypeValue), o.dtype = t, true;
        }
        return false;
    };
    // Tensors this version has no element type for: valid files, so "unsupported", not "bad input".
    static constexpr std::array kKnownUnsupported = {"complex128", "cdouble",  "complex32",
                                                     "qint8",      "quint8",   "qint32",
                                                     "quint4x2",   "quint2x4", "float4_e2m1fn_x2"};
    const bool storage_class = name.size() > 7 && name.substr(name.size() - 7) == "Storage";
    if (module == "torch" && !allowed() &&
        (storage_class || std::find(kKnownUnsupported.begin(), kKnownUnsupported.end(), name) !=
                              kKnownUnsupported.end()))
        throw UnsupportedError(where_, "tensor element type torch." + std::string(name) +
                                           " is not supported by this version");
    if (!allowed())
        fail("global " + shown(o.s) +
             " is not allowed: a checkpoint pickle may only rebuild tensors (refusing to run code "
             "from the file)");
    push(make(std::move(o)));
}

void Unpickler::op_persid() {
    // ('storage', <storage type>, '<key>', '<location>', numel)
    const auto pid = pop();
    const Obj& t = arena_[pid];
    if (t.kind != Kind::Tuple || t.items.size() != 5)
        fail("persistent id is not a 5-tuple ('storage', type, key, location, numel)");
    if (as_str(t.items[0], "persistent id tag") != "storage")
        fail("persistent id tag is not 'storage'");
    const Obj& type = arena_[t.items[1]];
    if (type.kind != Kind::Global || type.i != int(Global::StorageType))
        fail("persistent id names no storage type");
    Storage s;
    s.key = as_str(t.items[2], "storage key");
    as_str(t.items[3], "storage location");
    const auto numel = as_int(t.items[4], "storage size");
    if (numel < 0) fail("storage size is negative");
    s.numel = static_cast<std::uint64_t>(numel);
    s.dtype = type.dtype;
    if (s.key.empty() || s.key.size() > 64 || s.key.find_first_of("/\\") != std::string::npos ||
        s.key == "..")
        fail("storage key " + shown(s.key) + " is not a plain archive entry name");
    storages_.push_back(std::move(s));
    push(make_kind(Kind::Storage, static_cast<std::int64_t>(storages_.size() - 1)));
}

std::uint32_t Unpickler::rebuild_tensor(const std::vector<std::uint32_t>& args, bool v3) {
    const std::size_t need = v3 ? 7 : 6;
    if (args.size() != need && args.size() != need + 1)
        fail(std::string(v3 ? "_rebuild_tensor_v3" : "_rebuild_tensor_v2") + " called with " +
             std::to_string(args.size()) + " arguments");
    if (arena_[args[0]].kind != Kind::Storage)
        fail("tensor rebuilt from something that is not a storage");
    TensorArgs t;
    t.storage = static_cast<std::uint32_t>(arena_[args[0]].i);
    const Storage& st = storages_[t.storage];
    t.offset = as_int(args[1], "storage offset");
    if (t.offset < 0) fail("storage offset is negative");
    t.shape = as_dims(args[2], "tensor size");
    t.stride = as_dims(args[3], "tensor stride");
    if (t.shape.size() != t.stride.size()) fail("tensor size and stride have different lengths");
    if (v3) {
        const Obj& d = arena_[args[6]];
        if (d.kind != Kind::Global || d.i != int(Global::DTypeValue))
            fail("_rebuild_tensor_v3 dtype is not a torch dtype");
        t.dtype = *d.dtype;
        if (st.dtype && *st.dtype != t.dtype)
            fail("_rebuild_tensor_v3 dtype differs from its typed storage");
    } else {
        if (!st.dtype) fail("_rebuild_tensor_v2 over an untyped storage (no dtype)");
        t.dtype = *st.dtype;
    }
    tensors_.push_back(std::move(t));
    return make_kind(Kind::Tensor, static_cast<std::int64_t>(tensors_.size() - 1));
}

void Unpickler::op_reduce() {
    const auto args_id = pop();
    const auto callable = pop();
    if (arena_[callable].kind != Kind::Global)
        fail("REDUCE of something that is not an allowed global");
    if (arena_[args_id].kind != Kind::Tuple) fail("REDUCE arguments are not a tuple");
    // Copies: make() may grow the arena and move its objects.
    const auto fn = static_cast<Global>(arena_[callable].i);
    const std::string fn_name = arena_[callable].s;
    const std::vector<std::uint32_t> args = arena_[args_id].items;
    switch (fn) {
        case Global::OrderedDict:
            if (!args.empty()) fail("OrderedDict called with arguments");
            push(make_kind(Kind::Dict));
            return;
        case Global::RebuildTensorV2:
            push(rebuild_tensor(args, false));
            return;
        case Global::RebuildTensorV3:
            push(rebuild_tensor(args, true));
            return;
        case Global::RebuildParameter:
            if (args.size() != 3 || arena_[args[0]].kind != Kind::Tensor)
                fail("_rebuild_parameter not called on a tensor");
            push(args[0]);
            return;
        default:
            fail("global " + shown(fn_name) + " cannot be called");
    }
}

PickledStateDict Unpickler::run() {
    arena_.reserve(std::min<std::size_t>(data_.size() / 2 + 16, 1 << 20));
    while (true) {
        op_at_ = pos_;
        const std::uint8_t op = byte();
        switch (op) {
            case 0x80: {  // PROTO
                const auto v = byte();
                if (v < 2 || v > 5)
                    fail("pickle protocol " + std::to_string(v) +
                         " is not supported (torch.save writes 2)");
                break;
            }
            case 0x95:
                le(8);
                break;   // FRAME: a length hint only
            case '.': {  // STOP
                if (stack_.size() != 1 || !marks_.empty())
                    fail("STOP with " + std::to_string(stack_.size()) + " objects on the stack");
                return extract(stack_.back());
            }
            case '(':
                marks_.push_back(stack_.size());
                break;  // MARK
            case '}':
                push(make_kind(Kind::Dict));
                break;  // EMPTY_DICT
            case ']':
                push(make_kind(Kind::List));
                break;  // EMPTY_LIST
            case ')':
                push(tuple({}));
                break;  // EMPTY_TUPLE
            case 't':
                push(tuple(pop_to_mark()));
                break;  // TUPLE
            case 0x85:
            case 0x86:
            case 0x87: {  // TUPLE1..3
                std::vector<std::uint32_t> items(op - 0x84);
                for (auto it = items.rbegin(); it != items.rend(); ++it) *it = pop();
                push(tuple(std::move(items)));
                break;
            }
            case 'X':
            case 0x8c:
            case 0x8d:
            case 'B':
            case 'C': {  // BINUNICODE, SHORT_, 8; BINBYTES, SHORT_
                const std::uint64_t n = op == 'X' || op == 'B' ? le(4) : op == 0x8d ? le(8) : le(1);
                Obj o;
                o.kind = Kind::Str;
                o.s = std::string(take(n));
                push(make(std::move(o)));
                break;
            }
            case 'q':
                memo_[le(1)] = top();
                break;  // BINPUT
            case 'r':
                memo_[le(4)] = top();
                break;  // LONG_BINPUT
            case 0x94:
                memo_[memo_.size()] = top();
                break;  // MEMOIZE
            case 'h':
            case 'j': {  // BINGET, LONG_BINGET
                const auto key = le(op == 'h' ? 1 : 4);
                auto it = memo_.find(key);
                if (it == memo_.end())
                    fail("memo entry " + std::to_string(key) + " read before it was written");
                push(it->second);
                break;
            }
            case 'c': {  // GLOBAL "module\nname\n"
                const auto module = line();
                const auto name = line();
                op_global(module, name);
                break;
            }
            case 0x93: {  // STACK_GLOBAL
                const auto name = pop();
                const auto module = pop();
                op_global(as_str(module, "STACK_GLOBAL module"), as_str(name, "STACK_GLOBAL name"));
                break;
            }
            case 'J':
                push(make_kind(Kind::Int, static_cast<std::int32_t>(le(4))));
                break;  // BININT
            case 'K':
                push(make_kind(Kind::Int, static_cast<std::int64_t>(le(1))));
                break;  // BININT1
            case 'M':
                push(make_kind(Kind::Int, static_cast<std::int64_t>(le(2))));
                break;    // BININT2
            case 0x8a: {  // LONG1: little-endian two's complement of n <= 8 bytes
                const auto n = byte();
                if (n > 8) fail("LONG1 integer wider than 64 bits");
                std::uint64_t v = n ? le(n) : 0;
                if (n && n < 8 && (v >> (8 * n - 1)) & 1) v |= ~std::uint64_t{0} << (8 * n);
                push(make_kind(Kind::Int, static_cast<std::int64_t>(v)));
                break;
            }
            case 'G': {  // BINFLOAT, big-endian
                std::uint64_t v = 0;
                for (int i = 0; i < 8; ++i) v = (v << 8) | byte();
                Obj o;
                o.kind = Kind::Float;
                o.f = std::bit_cast<double>(v);
                push(make(std::move(o)));
                break;
            }
            case 'N':
                push(make_kind(Kind::None));
                break;
            case 0x88:
                push(make_kind(Kind::Bool, 1));
                break;  // NEWTRUE
            case 0x89:
                push(make_kind(Kind::Bool, 0));
                break;  // NEWFALSE
            case 'R':
                op_reduce();
                break;
            case 'Q':
                op_persid();
                break;   // BINPERSID
            case 's': {  // SETITEM
                const auto value = pop();
                const auto key = pop();
                auto& d = container(top(), Kind::Dict, "SETITEM");
                d.items.push_back(key);
                d.items.push_back(value);
                break;
            }
            case 'u': {  // SETITEMS
                auto items = pop_to_mark();
                if (items.size() % 2) fail("SETITEMS with an odd number of items");
                auto& d = container(top(), Kind::Dict, "SETITEMS");
                d.items.insert(d.items.end(), items.begin(), items.end());
                break;
            }
            case 'a': {  // APPEND
                const auto value = pop();
                container(top(), Kind::List, "APPEND").items.push_back(value);
                break;
            }
            case 'e': {  // APPENDS
                auto items = pop_to_mark();
                auto& l = container(top(), Kind::List, "APPENDS");
                l.items.insert(l.items.end(), items.begin(), items.end());
                break;
            }
            case 'b': {  // BUILD: state of an OrderedDict (its _metadata) or a parameter; dropped
                pop();
                const Kind k = arena_[top()].kind;
                if (k != Kind::Dict && k != Kind::Tensor)
                    fail("BUILD on an object that is neither a dict nor a tensor");
                break;
            }
            default:
                fail("opcode " + hex_byte(op) +
                     " is not allowed: a checkpoint pickle may only rebuild tensors (refusing to "
                     "run code from the file)");
        }
    }
}

PickledStateDict Unpickler::extract(std::uint32_t root) const {
    auto has_tensor = [&](const Obj& d) {
        for (std::size_t i = 1; i < d.items.size(); i += 2)
            if (arena_[d.items[i]].kind == Kind::Tensor) return true;
        return false;
    };
    if (arena_[root].kind != Kind::Dict)
        fail("the pickled object is not a dict of tensors (a state_dict)");
    const Obj* dict = &arena_[root];
    if (!has_tensor(*dict)) {
        for (const char* nested : {"state_dict", "model", "module"}) {
            for (std::size_t i = 0; i + 1 < dict->items.size(); i += 2) {
                const Obj& k = arena_[dict->items[i]];
                const Obj& v = arena_[dict->items[i + 1]];
                if (k.kind == Kind::Str && k.s == nested && v.kind == Kind::Dict && has_tensor(v)) {
                    dict = &v;
                    goto found;
                }
            }
        }
    }
found:
    PickledStateDict out;
    std::unordered_map<std::string, std::size_t> seen;
    for (std::size_t i = 0; i + 1 < dict->items.size(); i += 2) {
        const Obj& k = arena_[dict->items[i]];
        const Obj& v = arena_[dict->items[i + 1]];
        if (v.kind != Kind::Tensor) {
            out.ignored_keys.push_back(k.kind == Kind::Str ? k.s : "<non-string key>");
            continue;
        }
        if (k.kind != Kind::Str) fail("a tensor is stored under a key that is not a string");
        const TensorArgs& t = tensors_[static_cast<std::size_t>(v.i)];
        const Storage& s = storages_[t.storage];
        PickledTensor p;
        p.name = k.s;
        p.storage_key = s.key;
        p.dtype = t.dtype;
        const auto esize = s.dtype ? dtype_size(*s.dtype) : 1;
        if (s.numel > std::numeric_limits<std::uint64_t>::max() / std::max<std::size_t>(esize, 1))
            fail("storage " + shown(s.key) + " size overflows 64 bits");
        p.storage_bytes = s.numel * esize;
        p.storage_offset = t.offset;
        p.shape = t.shape;
        p.stride = t.stride;
        auto [it, fresh] = seen.emplace(p.name, out.tensors.size());
        if (fresh)
            out.tensors.push_back(std::move(p));
        else
            out.tensors[it->second] = std::move(p);  // Python dict semantics: the last value wins
    }
    return out;
}

}  // namespace

std::optional<DType> torch_storage_dtype(const std::string& class_name) {
    for (const auto& e : kStorageTypes)
        if (e.name == class_name) return e.dtype;
    return std::nullopt;
}

std::optional<DType> torch_dtype(const std::string& attribute_name) {
    for (const auto& e : kDTypes)
        if (e.name == attribute_name) return e.dtype;
    return std::nullopt;
}

PickledStateDict parse_torch_pickle(std::span<const std::byte> pickle, const std::string& where) {
    return Unpickler(pickle, where).run();
}

}  // namespace lineage::weights
