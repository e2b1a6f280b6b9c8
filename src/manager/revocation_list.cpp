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

// The message for a database error.
std::string database_failed(const std::string& what, const boost::system::error_code& ec) {
  return std::string("the database cannot ") + what + ": " + ec.message();
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

revocation_list::revocation_list(std::string dir, const certificate_issuer& ca, enrollment_store& db)
    : dir_(std::move(dir)), ca_(ca), db_(db) {}

bool revocation_list::open(std::string& why) {
  if (!import_files(why)) return false;
  if (const auto r = db_.drop_expired_issued(wall_seconds()); !r) {
    why = database_failed("drop expired certificates", r.error());
    return false;
  }
  return sign_and_write(why);
}

// Earlier versions kept `revoked` ("<serial> <unix seconds>" lines) and `issued` ("<serial> <role>
// <name> <not after>") per replica; once in the database they are renamed *.imported.
bool revocation_list::import_files(std::string& why) {
  namespace fs = std::filesystem;
  if (std::ifstream in(dir_ + "/revoked"); in) {
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      revoked_certificate r;
      if (!(fields >> r.serial >> r.revoked_at) || canonical_serial(r.serial) != r.serial) {
        why = dir_ + "/revoked: a line is not \"<serial hex> <unix seconds>\"";
        return false;
      }
      if (const auto done = db_.revoke({r.serial}, r.revoked_at); !done) {
        why = database_failed("import " + dir_ + "/revoked", done.error());
        return false;
      }
    }
  }
  if (std::ifstream in(dir_ + "/issued"); in) {
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      issued_record r;
      if (!(fields >> r.serial >> r.role >> r.name >> r.not_after) || canonical_serial(r.serial) != r.serial) continue;
      if (const auto done = db_.record_issued(r); !done) {
        why = database_failed("import " + dir_ + "/issued", done.error());
        return false;
      }
    }
  }
  std::error_code ec;
  for (const char* name : {"/revoked", "/issued"})
    if (fs::exists(dir_ + name, ec)) {
      fs::rename(dir_ + name, dir_ + name + ".imported", ec);
      if (ec) spdlog::warn("dfmanager: {}{} is in the database but cannot be renamed: {}", dir_, name, ec.message());
      else spdlog::info("dfmanager: imported {}{} into the database", dir_, name);
    }
  return true;
}

bool revocation_list::refresh(std::string& why) {
  const auto revision = db_.revocation_revision();
  if (!revision) {
    why = database_failed("say whether certificates were revoked", revision.error());
    return false;
  }
  if (*revision == revision_ && std::chrono::steady_clock::now() - signed_at_ < crl_resign_after) return true;
  return sign_and_write(why);
}

bool revocation_list::revoke(const std::vector<std::string>& serials, std::string& why) {
  if (const auto r = db_.revoke(serials, wall_seconds()); !r) {
    why = database_failed("record the revocation", r.error());
    return false;  // nothing changed
  }
  return sign_and_write(why);  // committed: the revocation holds even if this fails
}

// Signs the database's revoked list as the next CRL and serves it, then writes crl.pem.
bool revocation_list::sign_and_write(std::string& why) {
  // The revision first: a revocation committed between the two reads is signed again next time.
  const auto revision = db_.revocation_revision();
  if (!revision) {
    why = database_failed("read the revocation revision", revision.error());
    return false;
  }
  const auto revoked = db_.revoked_certificates();
  if (!revoked) {
    why = database_failed("list the revoked certificates", revoked.error());
    return false;
  }
  const auto number = db_.next_crl_number(wall_seconds() * 1000);
  if (!number) {
    why = database_failed("number the CRL", number.error());
    return false;
  }
  auto pem = ca_.sign_crl(*revoked, *number, std::chrono::duration_cast<std::chrono::seconds>(crl_validity), why);
  if (!pem) return false;
  pem_ = std::move(*pem);
  number_ = *number;
  revision_ = *revision;
  signed_at_ = std::chrono::steady_clock::now();
  return write_atomically(crl_path(), pem_, why);
}

}  // namespace df::manager
