#include "manager/revocation_list.hpp"

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

// Replaces `path` with `text` through a temporary file and a rename, so readers see the old or
// the new content, never a part.
bool write_atomically(const std::string& path, const std::string& text, std::string& why) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      why = "cannot write " + temporary;
      return false;
    }
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) why = "cannot replace " + path + ": " + ec.message();
  return !ec;
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
  std::ofstream out(dir_ + "/issued", std::ios::app);
  out << cert.serial << ' ' << role << ' ' << cert.common_name << ' ' << cert.not_after << '\n';
  out.flush();
  if (!out) {
    why = "cannot append to " + dir_ + "/issued";
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
  const auto before = revoked_;
  const auto now = wall_seconds();
  for (const auto& s : serials)
    if (std::none_of(revoked_.begin(), revoked_.end(), [&](const auto& r) { return r.serial == s; }))
      revoked_.push_back({s, now});
  std::string lines;
  for (const auto& r : revoked_) lines += r.serial + " " + std::to_string(r.revoked_at) + "\n";
  if (!write_atomically(dir_ + "/revoked", lines, why) || !sign_and_write(why)) {
    revoked_ = before;
    return false;
  }
  return true;
}

bool revocation_list::sign_and_write(std::string& why) {
  const auto number = std::max(number_ + 1, wall_seconds() * 1000);
  auto pem = ca_.sign_crl(revoked_, number, std::chrono::duration_cast<std::chrono::seconds>(crl_validity), why);
  if (!pem || !write_atomically(crl_path(), *pem, why)) return false;
  pem_ = std::move(*pem);
  number_ = number;
  signed_at_ = std::chrono::steady_clock::now();
  return true;
}

}  // namespace df::manager
