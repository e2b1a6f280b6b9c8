#include "manager/revocation_list.hpp"

#include "core/durable_file.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace df::manager {

namespace {

constexpr auto crl_validity = std::chrono::hours(24 * 7);
constexpr auto crl_resign_after = std::chrono::hours(24);

std::int64_t wall_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Replaces `path` with `text` durably (see replace_file_durably): once this says yes, a power
// loss cannot bring back the old content nor leave an empty file.
bool write_atomically(const std::string& path, const std::string& text, std::string& why) {
  if (auto r = replace_file_durably(path, text, 0644); !r) {
    why = "cannot replace " + path + ": " + r.error().message();
    return false;
  }
  return true;
}

}  // namespace

std::string canonical_serial(std::string_view text) {
  if (text.empty() || text.size() > 40) return {};
  std::string out;
  for (const char c : text) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return {};
    if (out.empty() && c == '0') continue;
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (out.empty()) out = "0";
  if (out.size() % 2 == 1) out.insert(out.begin(), '0');  // as OpenSSL prints serials
  return out;
}

revocation_list::revocation_list(std::string dir, const certificate_issuer& ca) : dir_(std::move(dir)), ca_(ca) {}

bool revocation_list::open(std::string& why) {
  if (std::ifstream in(dir_ + "/revoked"); in) {
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      revoked_certificate r;
      if (!(fields >> r.serial >> r.revoked_at) || canonical_serial(r.serial) != r.serial) {
        why = dir_ + "/revoked: a line is not \"<serial hex> <unix seconds>\"";
        return false;
      }
      revoked_.push_back(r);
    }
  }
  std::size_t expired = 0;
  if (std::ifstream in(dir_ + "/issued"); in) {
    std::string line;
    const auto now = wall_seconds();
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      issued_row r;
      if (!(fields >> r.serial >> r.role >> r.name >> r.not_after)) continue;
      if (r.not_after > now) issued_.push_back(std::move(r));
      else ++expired;
    }
  }
  if (expired > 0) {  // a renewed fleet would otherwise grow the file every day
    std::string lines;
    for (const auto& r : issued_)
      lines += r.serial + " " + r.role + " " + r.name + " " + std::to_string(r.not_after) + "\n";
    if (!write_atomically(dir_ + "/issued", lines, why)) return false;
  }
  return sign_and_write(why);
}

const std::string& revocation_list::crl_pem() {
  if (std::chrono::steady_clock::now() - signed_at_ > crl_resign_after) {
    std::string why;
    if (!sign_and_write(why)) spdlog::error("dfmanager: cannot sign the CRL again: {}", why);
  }
  return pem_;
}

bool revocation_list::record_issued(const issued_certificate& cert, std::string_view role, std::string& why) {
  const std::string line = cert.serial + ' ' + std::string(role) + ' ' + cert.common_name + ' ' +
                           std::to_string(cert.not_after) + '\n';
  if (auto r = append_durably(dir_ + "/issued", line, 0644); !r) {
    why = "cannot append to " + dir_ + "/issued: " + r.error().message();
    return false;
  }
  issued_.push_back({cert.serial, std::string(role), cert.common_name, cert.not_after});
  return true;
}

std::vector<std::string> revocation_list::issued_to(std::string_view role, std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& r : issued_)
    if (r.name == name && (role.empty() || r.role == role)) out.push_back(r.serial);
  return out;
}

bool revocation_list::revoke(const std::vector<std::string>& serials, std::string& why) {
  auto next = revoked_;
  const auto now = wall_seconds();
  for (const auto& s : serials)
    if (std::none_of(next.begin(), next.end(), [&](const auto& r) { return r.serial == s; }))
      next.push_back({s, now});
  // Signed first: a CA that cannot sign changes nothing, on disk or in memory.
  auto signed_crl = sign(next, why);
  if (!signed_crl) return false;
  std::string lines;
  for (const auto& r : next) lines += r.serial + " " + std::to_string(r.revoked_at) + "\n";
  if (!write_atomically(dir_ + "/revoked", lines, why)) return false;  // nothing changed
  // `revoked` is durable: memory follows it even if crl.pem cannot be written (open() signs it
  // again from `revoked`), and the CRL served includes the new serials.
  revoked_ = std::move(next);
  install(std::move(*signed_crl));
  return write_atomically(crl_path(), pem_, why);
}

std::optional<revocation_list::signed_crl> revocation_list::sign(const std::vector<revoked_certificate>& revoked,
                                                                 std::string& why) const {
  const auto number = std::max(number_ + 1, wall_seconds() * 1000);
  auto pem = ca_.sign_crl(revoked, number, std::chrono::duration_cast<std::chrono::seconds>(crl_validity), why);
  if (!pem) return std::nullopt;
  return signed_crl{std::move(*pem), number};
}

void revocation_list::install(signed_crl crl) {
  pem_ = std::move(crl.pem);
  number_ = crl.number;
  signed_at_ = std::chrono::steady_clock::now();
}

bool revocation_list::sign_and_write(std::string& why) {
  auto crl = sign(revoked_, why);
  if (!crl || !write_atomically(crl_path(), crl->pem, why)) return false;
  install(std::move(*crl));
  return true;
}

}  // namespace df::manager
