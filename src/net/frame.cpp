#include "net/frame.hpp"

namespace df::net {

std::array<char, frame_header_size> encode_frame_header(frame_kind kind, std::uint32_t length) {
  return {static_cast<char>(kind), static_cast<char>(length >> 24), static_cast<char>(length >> 16),
          static_cast<char>(length >> 8), static_cast<char>(length)};
}

result<frame_header> decode_frame_header(std::string_view bytes) {
  if (bytes.size() != frame_header_size) return errc::malformed_message;
  const auto b = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])); };
  const std::uint32_t length = b(1) << 24 | b(2) << 16 | b(3) << 8 | b(4);
  switch (static_cast<frame_kind>(b(0))) {
    case frame_kind::message:
      if (length > max_message_payload) return errc::message_too_large;
      return frame_header{frame_kind::message, length};
    case frame_kind::data:
      if (length > max_data_payload) return errc::message_too_large;
      return frame_header{frame_kind::data, length};
  }
  return errc::malformed_message;
}

std::string encode_frame(frame_kind kind, std::string_view payload) {
  const auto header = encode_frame_header(kind, static_cast<std::uint32_t>(payload.size()));
  std::string out(header.begin(), header.end());
  out.append(payload);
  return out;
}

}  // namespace df::net
