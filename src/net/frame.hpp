#pragma once
// Framing for the scheduler protocol and the local API: a 5-byte header, then the payload.
// Byte layout (docs/protocol.md): kind u8 | payload length u32 big-endian | payload.

#include "core/error.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace df::net {

/// What a frame's payload holds.
enum class frame_kind : std::uint8_t {
  message = 1,  // one JSON protocol message
  data = 2,     // raw file bytes (local API only)
};

inline constexpr std::size_t frame_header_size = 5;
inline constexpr std::uint32_t max_message_payload = 4u << 20;  // JSON messages
inline constexpr std::uint32_t max_data_payload = 4u << 20;     // data chunks

/// A decoded frame header.
struct frame_header {
  frame_kind kind;
  std::uint32_t length;
};

/// The 5 header bytes for a frame of `kind` with `length` payload bytes.
std::array<char, frame_header_size> encode_frame_header(frame_kind kind, std::uint32_t length);
/// Validates and decodes a header: unknown kinds and over-long payloads are errors.
result<frame_header> decode_frame_header(std::string_view bytes);
/// Header and payload in one string (tests and small messages).
std::string encode_frame(frame_kind kind, std::string_view payload);

}  // namespace df::net
