// Turning a token's surface form, as a tokenizer file writes it, into the raw bytes it stands for:
//   - byte-level BPE (GPT-2, cl100k, Llama 3, Qwen): every byte is written as one printable code
//     point (bytes 0x21-0x7E, 0xA1-0xAC, 0xAE-0xFF as themselves, the other 68 bytes as U+0100..);
//     decode_byte_level inverts that map and fails on a code point outside it.
//   - SentencePiece style (metaspace): "▁" (U+2581) stands for a space; a byte-fallback piece
//     "<0xNN>" for the single byte NN (parse_byte_piece).
// Also base64 (RFC 4648, standard alphabet, '=' padding) as used by tiktoken and tekken files.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lineage::model {

// Raw bytes of a byte-level BPE surface form; nullopt when it holds a code point outside the
// byte-to-unicode map or invalid UTF-8.
std::optional<std::string> decode_byte_level(std::string_view surface);

// The byte-level surface form of raw bytes (the map applied; used by tests and fixtures).
std::string encode_byte_level(std::string_view bytes);

// Replaces every "▁" with a space.
std::string decode_metaspace(std::string_view surface);

// The byte of a "<0xNN>" piece (two hex digits, either case), else nullopt.
std::optional<std::uint8_t> parse_byte_piece(std::string_view piece);

// Decodes base64; nullopt on a character outside the alphabet, bad padding or bad length.
std::optional<std::string> decode_base64(std::string_view text);

}  // namespace lineage::model
