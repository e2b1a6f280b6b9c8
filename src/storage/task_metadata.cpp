#include "storage/task_metadata.hpp"

#include "core/ids.hpp"

#include <nlohmann/json.hpp>

namespace df::storage {

std::string encode_metadata(const task_metadata& m) {
  nlohmann::json j{
      {"version", 1},
      {"task_id", m.task_id},
      {"url", m.url},
      {"tag", m.tag},
      {"application", m.application},
      {"filters", m.filters},
      {"piece_size", m.piece_size},
      {"piece_digests", m.piece_digests},
      {"verified", m.verified.to_hex()},
      {"piece_count", m.verified.size()},
      {"complete", m.complete},
      {"last_access_unix", m.last_access_unix},
      {"etag", m.etag},
      {"last_modified", m.last_modified},
      {"digest", m.digest},
      {"public", m.public_content},
      {"credentialed", m.credentialed},
      {"data_mtime_ns", m.data_mtime_ns},
  };
  j["content_length"] = m.content_length ? nlohmann::json(*m.content_length) : nlohmann::json(nullptr);
  return j.dump();
}

result<task_metadata> decode_metadata(std::string_view text) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return errc::malformed_message;
  try {
    if (j.at("version").get<int>() != 1) return errc::unsupported_version;
    task_metadata m;
    m.task_id = j.at("task_id").get<std::string>();
    if (!is_valid_task_id(m.task_id)) return errc::malformed_message;
    m.url = j.at("url").get<std::string>();
    m.tag = j.value("tag", std::string{});  // fields added later may be missing
    m.application = j.value("application", std::string{});
    m.filters = j.value("filters", std::vector<std::string>{});
    if (!j.at("content_length").is_null()) m.content_length = j.at("content_length").get<std::uint64_t>();
    m.piece_size = j.at("piece_size").get<std::uint64_t>();
    m.piece_digests = j.at("piece_digests").get<std::vector<std::string>>();
    const auto count = j.at("piece_count").get<std::uint32_t>();
    if (!bitfield::from_hex(j.at("verified").get<std::string>(), count, m.verified))
      return errc::malformed_message;
    m.complete = j.at("complete").get<bool>();
    m.last_access_unix = j.value("last_access_unix", std::int64_t{0});
    m.etag = j.value("etag", std::string{});
    m.last_modified = j.value("last_modified", std::string{});
    m.digest = j.value("digest", std::string{});
    m.public_content = j.value("public", false);
    m.credentialed = j.value("credentialed", false);
    m.data_mtime_ns = j.value("data_mtime_ns", std::int64_t{0});
    if (m.content_length) {
      if (m.piece_size == 0) return errc::malformed_message;
      if (count != m.layout().piece_count() || m.piece_digests.size() != count) return errc::malformed_message;
    }
    if (m.complete && (!m.content_length || !m.verified.all())) return errc::malformed_message;
    return m;
  } catch (const nlohmann::json::exception&) {
    return errc::malformed_message;
  }
}

}  // namespace df::storage
