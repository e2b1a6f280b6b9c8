#include "cli/enroll.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <filesystem>
#include <fstream>
#include <sys/stat.h>

namespace df::cli {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

std::string bio_text(BIO* b) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(b, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

// A new Ed25519 key and a certificate request naming `name`, both PEM.
bool make_request(const std::string& name, std::string& key_pem, std::string& csr_pem) {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  X509_REQ* req = X509_REQ_new();
  X509_NAME* subject = X509_NAME_new();
  BIO* key_out = BIO_new(BIO_s_mem());
  BIO* csr_out = BIO_new(BIO_s_mem());
  bool ok = key && req && subject && key_out && csr_out &&
            X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                                       reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1, 0) == 1 &&
            X509_REQ_set_subject_name(req, subject) == 1 && X509_REQ_set_pubkey(req, key) == 1 &&
            X509_REQ_sign(req, key, nullptr) > 0 &&
            PEM_write_bio_PrivateKey(key_out, key, nullptr, nullptr, 0, nullptr, nullptr) == 1 &&
            PEM_write_bio_X509_REQ(csr_out, req) == 1;
  if (ok) {
    key_pem = bio_text(key_out);
    csr_pem = bio_text(csr_out);
  }
  BIO_free(key_out);
  BIO_free(csr_out);
  X509_NAME_free(subject);
  X509_REQ_free(req);
  EVP_PKEY_free(key);
  return ok;
}

// Seconds the certificate in `path` is still valid for (negative: expired or unreadable).
long long seconds_left(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "r");
  if (!f) return -1;
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (!cert) return -1;
  int days = 0, secs = 0;
  const bool ok = ASN1_TIME_diff(&days, &secs, nullptr, X509_get0_notAfter(cert)) == 1;
  X509_free(cert);
  return ok ? static_cast<long long>(days) * 86400 + secs : -1;
}

// Writes `text` to `path` through a temporary file renamed over it, with `mode`.
bool write_file(const std::string& path, const std::string& text, mode_t mode) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return false;
    ::chmod(tmp.c_str(), mode);
    out << text;
    if (!out.flush()) return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return !ec;
}

// POST body to http://manager/api/v1/certificates; the status and the answer's body.
bool post(const std::string& manager, const std::string& body, int& status, std::string& answer, std::string& why) {
  const auto colon = manager.rfind(':');
  if (colon == std::string::npos) {
    why = "--manager must be host:port";
    return false;
  }
  try {
    boost::asio::io_context io;
    tcp::resolver resolver(io);
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(30));
    stream.connect(resolver.resolve(manager.substr(0, colon), manager.substr(colon + 1)));
    http::request<http::string_body> req{http::verb::post, "/api/v1/certificates", 11};
    req.set(http::field::host, manager);
    req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(1 << 20);
    http::read(stream, buffer, parser);
    status = static_cast<int>(parser.get().result_int());
    answer = parser.get().body();
    return true;
  } catch (const std::exception& e) {
    why = "cannot reach dfmanager at " + manager + ": " + e.what();
    return false;
  }
}

}  // namespace

result<enroll_outcome> enroll(const enroll_options& o, std::string& why) {
  const std::string cert_path = o.dir + "/" + o.name + ".pem", key_path = o.dir + "/" + o.name + "-key.pem";
  const auto left = seconds_left(cert_path);
  if (o.renew_before.count() > 0 && left > std::chrono::duration_cast<std::chrono::seconds>(o.renew_before).count())
    return enroll_outcome{false, cert_path + " is valid for " + std::to_string(left / 3600) + " more hours; kept"};
  std::string key_pem, csr_pem;
  if (!make_request(o.name, key_pem, csr_pem)) {
    why = "cannot make a key and certificate request";
    return errc::invalid_argument;
  }
  int status = 0;
  std::string answer;
  const std::string body = nlohmann::json{{"csr", csr_pem}, {"token", o.token}}.dump();
  if (!post(o.manager, body, status, answer, why)) return errc::daemon_unreachable;
  const auto j = nlohmann::json::parse(answer, nullptr, false);
  if (status != 201 || !j.is_object() || !j.contains("certificate") || !j["certificate"].is_string() ||
      !j.contains("ca") || !j["ca"].is_string()) {
    const std::string message = j.is_object() && j.contains("message") && j["message"].is_string()
                                    ? j["message"].get<std::string>()
                                    : answer.substr(0, 200);
    why = "dfmanager refused the enrollment (" + std::to_string(status) + "): " + message;
    return errc::not_permitted;
  }
  std::error_code ec;
  std::filesystem::create_directories(o.dir, ec);
  if (ec || !write_file(key_path, key_pem, 0600) || !write_file(o.dir + "/ca.pem", j["ca"].get<std::string>(), 0644) ||
      !write_file(cert_path, j["certificate"].get<std::string>(), 0644)) {
    why = "cannot write the key and certificate into " + o.dir;
    return errc::storage_io;
  }
  return enroll_outcome{true, "wrote " + cert_path + ", " + key_path + " and " + o.dir + "/ca.pem"};
}

}  // namespace df::cli
