// SentencePiece ModelProto reader: a bounds-checked protobuf wire-format walk (see the header for
// the fields kept).
#include "reference_model/tokenizer/formats/sentencepiece_model.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <unordered_set>

#include "weights/core/error.h"

namespace lineage::model {

namespace {

// A cursor over one message's bytes. Every read checks the remaining length.
class WireReader {
public:
    WireReader(std::string_view bytes, std::string_view where, const char* message)
        : p_(bytes.data()), end_(bytes.data() + bytes.size()), where_(where), message_(message) {}

    bool done() const { return p_ == end_; }

    std::uint64_t varint() {
        std::uint64_t value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (p_ == end_) fail("truncated varint");
            auto byte = static_cast<unsigned char>(*p_++);
            if (shift == 63 && (byte & 0x7E)) fail("varint overflows 64 bits");
            value |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
            if (!(byte & 0x80)) return value;
        }
        fail("varint longer than 10 bytes");
    }
    std::string_view length_delimited() {
        std::uint64_t n = varint();
        if (n > static_cast<std::uint64_t>(end_ - p_))
            fail("length " + std::to_string(n) + " runs past the end of the message");
        std::string_view out(p_, static_cast<std::size_t>(n));
        p_ += n;
        return out;
    }
    std::uint32_t fixed32() {
        if (end_ - p_ < 4) fail("truncated fixed32");
        std::uint32_t v;
        std::memcpy(&v, p_, 4);  // little-endian on every supported host
        p_ += 4;
        return v;
    }
    void skip(int wire_type) {
        switch (wire_type) {
            case 0: varint(); return;
            case 1:
                if (end_ - p_ < 8) fail("truncated fixed64");
                p_ += 8;
                return;
            case 2: length_delimited(); return;
            case 5: fixed32(); return;
            default: fail("unsupported wire type " + std::to_string(wire_type));
        }
    }
    // Reads a key; returns (field number, wire type).
    std::pair<std::uint32_t, int> key() {
        std::uint64_t k = varint();
        std::uint64_t field = k >> 3;
        if (field == 0 || field > 536870911) fail("invalid field number " + std::to_string(field));
        return {static_cast<std::uint32_t>(field), static_cast<int>(k & 7)};
    }
    void expect(int wire_type, int want, const char* field) {
        if (wire_type != want)
            fail(std::string("field '") + field + "' has wire type " + std::to_string(wire_type) +
                 " (expected " + std::to_string(want) + ")");
    }
    [[noreturn]] void fail(const std::string& problem) const {
        throw InputError(where_, std::string("not a SentencePiece model (protobuf ") + message_ +
                                     "): " + problem);
    }

private:
    const char* p_;
    const char* end_;
    std::string_view where_;
    const char* message_;
};

std::int64_t as_int32(std::uint64_t v) { return static_cast<std::int32_t>(static_cast<std::uint32_t>(v)); }

SentencePiecePiece parse_piece(std::string_view bytes, std::string_view where) {
    WireReader r(bytes, where, "SentencePiece");
    SentencePiecePiece piece;
    while (!r.done()) {
        auto [field, wire] = r.key();
        if (field == 1) {
            r.expect(wire, 2, "piece");
            piece.piece = std::string(r.length_delimited());
        } else if (field == 2) {
            r.expect(wire, 5, "score");
            std::uint32_t bits = r.fixed32();
            std::memcpy(&piece.score, &bits, 4);
        } else if (field == 3) {
            r.expect(wire, 0, "type");
            std::uint64_t t = r.varint();
            if (t < 1 || t > 6) r.fail("piece type " + std::to_string(t) + " is not 1..6");
            piece.type = static_cast<PieceType>(t);
        } else {
            r.skip(wire);
        }
    }
    return piece;
}

void parse_trainer(std::string_view bytes, std::string_view where, SentencePieceModel& m) {
    WireReader r(bytes, where, "TrainerSpec");
    while (!r.done()) {
        const auto [field, wire_type] = r.key();
        const int wire = wire_type;  // a plain variable: lambdas cannot capture bindings before C++20 DR
        auto read_varint = [&](const char* name) {
            r.expect(wire, 0, name);
            return r.varint();
        };
        switch (field) {
            case 3: m.model_type = static_cast<int>(as_int32(read_varint("model_type"))); break;
            case 4: m.vocab_size = as_int32(read_varint("vocab_size")); break;
            case 24: m.treat_whitespace_as_suffix = read_varint("treat_whitespace_as_suffix") != 0; break;
            case 25: m.split_digits = read_varint("split_digits") != 0; break;
            case 35: m.byte_fallback = read_varint("byte_fallback") != 0; break;
            case 40: m.unk_id = as_int32(read_varint("unk_id")); break;
            case 41: m.bos_id = as_int32(read_varint("bos_id")); break;
            case 42: m.eos_id = as_int32(read_varint("eos_id")); break;
            case 43: m.pad_id = as_int32(read_varint("pad_id")); break;
            case 44:
                r.expect(wire, 2, "unk_surface");
                m.unk_surface = std::string(r.length_delimited());
                break;
            default: r.skip(wire);
        }
    }
}

void parse_normalizer(std::string_view bytes, std::string_view where, SentencePieceModel& m) {
    WireReader r(bytes, where, "NormalizerSpec");
    while (!r.done()) {
        auto [field, wire] = r.key();
        if (field == 1) {
            r.expect(wire, 2, "name");
            m.normalizer_name = std::string(r.length_delimited());
        } else if (field == 2) {
            r.expect(wire, 2, "precompiled_charsmap");
            m.precompiled_charsmap_bytes = r.length_delimited().size();
        } else if (field == 3) {
            r.expect(wire, 0, "add_dummy_prefix");
            m.add_dummy_prefix = r.varint() != 0;
        } else if (field == 4) {
            r.expect(wire, 0, "remove_extra_whitespaces");
            m.remove_extra_whitespaces = r.varint() != 0;
        } else if (field == 5) {
            r.expect(wire, 0, "escape_whitespaces");
            m.escape_whitespaces = r.varint() != 0;
        } else {
            r.skip(wire);
        }
    }
}

// Only whether the denormalizer carries a rule matters (Lineage cannot apply one).
std::size_t denormalizer_charsmap_size(std::string_view bytes, std::string_view where) {
    WireReader r(bytes, where, "NormalizerSpec");
    std::size_t size = 0;
    while (!r.done()) {
        auto [field, wire] = r.key();
        if (field == 2 && wire == 2)
            size = r.length_delimited().size();
        else
            r.skip(wire);
    }
    return size;
}

}  // namespace

std::string_view sentencepiece_model_type_name(int model_type) {
    switch (model_type) {
        case 1: return "UNIGRAM";
        case 2: return "BPE";
        case 3: return "WORD";
        case 4: return "CHAR";
        default: return "UNKNOWN";
    }
}

SentencePieceModel SentencePieceModel::parse(std::string_view bytes, std::string_view where) {
    SentencePieceModel m;
    m.path = std::string(where);
    WireReader r(bytes, where, "ModelProto");
    while (!r.done()) {
        auto [field, wire] = r.key();
        if (field == 1) {
            r.expect(wire, 2, "pieces");
            m.pieces.push_back(parse_piece(r.length_delimited(), where));
        } else if (field == 2) {
            r.expect(wire, 2, "trainer_spec");
            parse_trainer(r.length_delimited(), where, m);
        } else if (field == 3) {
            r.expect(wire, 2, "normalizer_spec");
            parse_normalizer(r.length_delimited(), where, m);
        } else if (field == 5) {
            r.expect(wire, 2, "denormalizer_spec");
            m.denormalizer_charsmap_bytes = denormalizer_charsmap_size(r.length_delimited(), where);
        } else {
            r.skip(wire);
        }
    }
    if (m.pieces.empty()) throw InputError(where, "SentencePiece model holds no pieces (empty vocabulary)");
    std::unordered_set<std::string_view> seen;
    seen.reserve(m.pieces.size() * 2);
    for (std::size_t id = 0; id < m.pieces.size(); ++id) {
        if (m.pieces[id].piece.empty())
            throw InputError(where, "SentencePiece piece " + std::to_string(id) + " is empty");
        if (!seen.insert(m.pieces[id].piece).second)
            throw InputError(where, "SentencePiece piece '" + m.pieces[id].piece + "' appears twice (id " +
                                        std::to_string(id) + ")");
    }
    return m;
}

SentencePieceModel SentencePieceModel::load(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(path.string(), "cannot open file");
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw InputError(path.string(), "read error");
    return parse(bytes, path.string());
}

}  // namespace lineage::model
