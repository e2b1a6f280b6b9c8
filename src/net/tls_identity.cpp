#include "net/tls_identity.hpp"

#include "core/durable_file.hpp"
#include "net/cert_mint.hpp"
#include "net/crl.hpp"

#include <boost/asio/ssl/context.hpp>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>

#include <sys/stat.h>

namespace df::net {

namespace ssl = boost::asio::ssl;

namespace {

constexpr std::string_view uri_prefix = "spiffe://dragonfly/";
constexpr std::array role_names{"peer", "seed-peer", "scheduler", "manager"};

std::string openssl_error() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  std::array<char, 256> text{};
  ERR_error_string_n(code, text.data(), text.size());
  return text.data();
}

x509_ptr read_certificate(const std::string& path, std::string& error_text) {
  std::FILE* f = std::fopen(path.c_str(), "r");
  if (!f) {
    error_text = "cannot open " + path;
    return nullptr;
  }
  x509_ptr cert(PEM_read_X509(f, nullptr, nullptr, nullptr));
  std::fclose(f);
  if (!cert) error_text = path + " holds no PEM certificate: " + openssl_error();
  return cert;
}

// The one spiffe://dragonfly/ URI among the certificate's subject alternative names.
std::optional<cluster_identity> identity_of(X509* cert) {
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (!names) return std::nullopt;
  std::optional<cluster_identity> found;
  int matches = 0;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    if (n->type != GEN_URI) continue;
    const auto* s = n->d.uniformResourceIdentifier;
    const std::string_view text(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                static_cast<std::size_t>(ASN1_STRING_length(s)));
    if (!text.starts_with(uri_prefix)) continue;
    ++matches;
    found = parse_identity_uri(text);
  }
  GENERAL_NAMES_free(names);
  if (matches != 1) return std::nullopt;  // two identities in one certificate: neither is trusted
  return found;
}

// Applies what both directions share: TLS 1.3 only, the CA, our certificate and key, the CRL.
bool configure(ssl::context& ctx, const security_settings& s, std::string& error_text) {
  SSL_CTX* native = ctx.native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_3_VERSION);
  if (SSL_CTX_load_verify_locations(native, s.ca_file.c_str(), nullptr) != 1) {
    error_text = "security.ca_file " + s.ca_file + ": " + openssl_error();
    return false;
  }
  if (SSL_CTX_use_certificate_chain_file(native, s.cert_file.c_str()) != 1) {
    error_text = "security.cert_file " + s.cert_file + ": " + openssl_error();
    return false;
  }
  if (SSL_CTX_use_PrivateKey_file(native, s.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    error_text = "security.key_file " + s.key_file + ": " + openssl_error();
    return false;
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    error_text = "security.key_file " + s.key_file + " does not belong to " + s.cert_file;
    return false;
  }
  if (!s.crl_file.empty()) {
    X509_STORE* store = SSL_CTX_get_cert_store(native);
    if (X509_STORE_load_file(store, s.crl_file.c_str()) != 1) {
      error_text = "security.crl_file " + s.crl_file + ": " + openssl_error();
      return false;
    }
    X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
  }
  return true;
}

// The CRL file's modification time (0 when it cannot be read).
std::int64_t modified_at(const std::string& path) {
  std::error_code ec;
  const auto t = std::filesystem::last_write_time(path, ec);
  return ec ? 0 : static_cast<std::int64_t>(t.time_since_epoch().count());
}

// A store with the CA and `crl` (or, without one, the CRL in crl_file), as configure() sets up;
// null (with `why`) when a file is bad.
X509_STORE* fresh_store(const security_settings& s, X509_CRL* crl, std::string& why) {
  X509_STORE* store = X509_STORE_new();
  if (!store) return nullptr;
  if (X509_STORE_load_file(store, s.ca_file.c_str()) != 1) {
    why = "security.ca_file " + s.ca_file + ": " + openssl_error();
  } else if (crl ? X509_STORE_add_crl(store, crl) != 1 : X509_STORE_load_file(store, s.crl_file.c_str()) != 1) {
    why = "security.crl_file " + s.crl_file + ": " + openssl_error();
  } else {
    X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
    return store;
  }
  X509_STORE_free(store);
  return nullptr;
}

// Checks our own certificate (with the intermediates of `chain`) against the CA the way the other
// end will.
bool verify_own(const ssl::context& ctx, X509* cert, std::string& error_text, STACK_OF(X509)* chain = nullptr) {
  X509_STORE* store = SSL_CTX_get_cert_store(const_cast<ssl::context&>(ctx).native_handle());
  X509_STORE_CTX* check = X509_STORE_CTX_new();
  bool ok = check && X509_STORE_CTX_init(check, store, cert, chain) == 1 && X509_verify_cert(check) == 1;
  if (!ok && check)
    error_text = std::string("is not valid under security.ca_file: ") +
                 X509_verify_cert_error_string(X509_STORE_CTX_get_error(check));
  X509_STORE_CTX_free(check);
  return ok;
}

struct x509_stack_free {
  void operator()(STACK_OF(X509) * p) const noexcept { sk_X509_pop_free(p, X509_free); }
};

// A certificate (with the chain after it in its file) and a private key, as read from disk.
struct key_pair {
  x509_ptr cert;
  std::unique_ptr<STACK_OF(X509), x509_stack_free> chain{sk_X509_new_null()};
  evp_pkey_ptr key;
};

// Reads cert_file and key_file; nullopt (with `why`) when either cannot be read or parsed.
std::optional<key_pair> read_pair(const security_settings& s, std::string& why) {
  key_pair out;
  out.cert = read_certificate(s.cert_file, why);
  if (!out.cert) return std::nullopt;
  std::FILE* f = std::fopen(s.cert_file.c_str(), "r");
  if (f) {
    PEM_read_X509(f, nullptr, nullptr, nullptr);  // the leaf, read above
    while (X509* more = PEM_read_X509(f, nullptr, nullptr, nullptr)) sk_X509_push(out.chain.get(), more);
    std::fclose(f);
  }
  ERR_clear_error();  // the end of the file reads as an error
  f = std::fopen(s.key_file.c_str(), "r");
  if (f) {
    out.key.reset(PEM_read_PrivateKey(f, nullptr, nullptr, nullptr));
    std::fclose(f);
  }
  if (!out.key) {
    why = "security.key_file " + s.key_file + " holds no PEM private key: " + openssl_error();
    return std::nullopt;
  }
  if (X509_check_private_key(out.cert.get(), out.key.get()) != 1) {
    ERR_clear_error();
    why = "security.key_file " + s.key_file + " does not belong to " + s.cert_file;
    return std::nullopt;
  }
  return out;
}

}  // namespace

std::string_view role_name(cluster_role r) { return role_names[static_cast<std::size_t>(r)]; }

std::optional<cluster_role> parse_role(std::string_view text) {
  for (std::size_t i = 0; i < role_names.size(); ++i)
    if (text == role_names[i]) return static_cast<cluster_role>(i);
  return std::nullopt;
}

std::string cluster_identity::uri() const { return std::string(uri_prefix) + std::string(role_name(role)) + "/" + name; }

std::optional<cluster_identity> parse_identity_uri(std::string_view uri) {
  if (!uri.starts_with(uri_prefix)) return std::nullopt;
  uri.remove_prefix(uri_prefix.size());
  const auto slash = uri.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const auto role = parse_role(uri.substr(0, slash));
  const std::string_view name = uri.substr(slash + 1);
  if (!role || name.empty() || name.size() > 253 || name.find('/') != std::string_view::npos) return std::nullopt;
  return cluster_identity{*role, std::string(name)};
}

struct tls_identity::contexts {
  ssl::context server{ssl::context::tls_server};
  ssl::context client{ssl::context::tls_client};
};

tls_identity::~tls_identity() = default;

ssl::context& tls_identity::server() { return contexts_->server; }
ssl::context& tls_identity::client() { return contexts_->client; }

result<std::shared_ptr<tls_identity>> tls_identity::load(const security_settings& s, std::string& error_text) {
  std::shared_ptr<tls_identity> out(new tls_identity());
  out->mode_ = s.mode;
  out->settings_ = s;
  if (!s.crl_file.empty()) {
    out->crl_mtime_ = modified_at(s.crl_file);
    out->crl_number_ = crl_number_of_file(s.crl_file);
  }
  out->pair_stamp_ = stamp_of(s);
  out->contexts_ = std::make_unique<contexts>();
  if (!configure(out->contexts_->server, s, error_text) || !configure(out->contexts_->client, s, error_text))
    return errc::invalid_argument;
  auto cert = read_certificate(s.cert_file, error_text);
  if (!cert) return errc::invalid_argument;
  const auto own = identity_of(cert.get());
  if (!own) {
    error_text = "security.cert_file " + s.cert_file + " names no cluster identity (one URI SAN " +
                 std::string(uri_prefix) + "<role>/<name>; scripts/certs.sh issues such certificates)";
    return errc::invalid_argument;
  }
  out->own_ = *own;
  std::string why;
  if (!verify_own(out->contexts_->client, cert.get(), why)) {
    error_text = "security.cert_file " + s.cert_file + " " + why;
    return errc::invalid_argument;
  }
  const int client_checks = SSL_VERIFY_PEER;
  const int server_checks = s.mode == security_mode::mtls ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT
                                                           : SSL_VERIFY_NONE;
  SSL_CTX_set_verify(out->contexts_->client.native_handle(), client_checks, nullptr);
  SSL_CTX_set_verify(out->contexts_->server.native_handle(), server_checks, nullptr);
  return out;
}

result<cluster_identity> tls_identity::check_certificate(X509* cert, std::string& why) {
  if (!verify_own(contexts_->client, cert, why)) {
    why = "the certificate " + why;
    return errc::not_permitted;
  }
  const auto id = identity_of(cert);
  if (!id) {
    why = "the certificate names no cluster identity";
    return errc::not_permitted;
  }
  return *id;
}

bool tls_identity::refresh_crl(std::string& why) {
  if (settings_.crl_file.empty()) return false;
  const auto mtime = modified_at(settings_.crl_file);
  if (mtime == crl_mtime_) return false;
  for (ssl::context* ctx : {&contexts_->server, &contexts_->client}) {
    X509_STORE* store = fresh_store(settings_, nullptr, why);
    if (!store) return false;  // tried again at the next refresh; the old list stays
    SSL_CTX_set_cert_store(ctx->native_handle(), store);  // takes it, frees the old one
  }
  crl_mtime_ = mtime;
  crl_number_ = crl_number_of_file(settings_.crl_file);
  ++crl_generation_;
  return true;
}

tls_identity::pair_stamp tls_identity::stamp_of(const security_settings& s) {
  const auto inode = [](const std::string& path) -> std::uint64_t {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_ino) : 0;
  };
  return {modified_at(s.cert_file), modified_at(s.key_file), inode(s.cert_file), inode(s.key_file)};
}

tls_identity::reload tls_identity::refresh_certificate(std::string& why) {
  const pair_stamp stamp = stamp_of(settings_);
  if (stamp == pair_stamp_) return reload::unchanged;
  auto pair = read_pair(settings_, why);
  if (!pair) {
    if (stamp != pending_stamp_) {
      pending_stamp_ = stamp;  // a file may be half-way replaced: judged again at the next check
      return reload::pending;
    }
    pair_stamp_ = stamp;
    return reload::refused;
  }
  pair_stamp_ = stamp;  // judged: read again only when a file changes
  std::string problem;
  if (!verify_own(contexts_->client, pair->cert.get(), problem, pair->chain.get())) {
    why = "security.cert_file " + settings_.cert_file + " " + problem;
    return reload::refused;
  }
  const auto id = identity_of(pair->cert.get());
  if (!id || !(*id == own_)) {
    const std::string named = id ? id->uri() : std::string("no cluster identity");
    why = "security.cert_file " + settings_.cert_file + " names " + named + ", not " + own_.uri() +
          " (a component keeps its role and name)";
    return reload::refused;
  }
  for (ssl::context* ctx : {&contexts_->server, &contexts_->client}) {
    if (SSL_CTX_use_cert_and_key(ctx->native_handle(), pair->cert.get(), pair->key.get(), pair->chain.get(), 1) != 1) {
      why = "cannot use the new certificate: " + openssl_error();
      return reload::refused;
    }
  }
  return reload::reloaded;
}

tls_identity::crl_update tls_identity::apply_crl(std::string_view pem, std::string& why) {
  auto crl = verify_crl(pem, settings_.ca_file, why);
  if (!crl) return crl_update::refused;
  if (crl->number == crl_number_) return crl_update::unchanged;
  if (crl->number < crl_number_) {
    why = "its number " + std::to_string(crl->number) + " is below the one in force (" +
          std::to_string(crl_number_) + ")";
    return crl_update::older;
  }
  for (ssl::context* ctx : {&contexts_->server, &contexts_->client}) {
    X509_STORE* store = fresh_store(settings_, crl->crl.get(), why);
    if (!store) return crl_update::refused;
    SSL_CTX_set_cert_store(ctx->native_handle(), store);
  }
  crl_number_ = crl->number;
  ++crl_generation_;
  if (settings_.crl_file.empty()) return crl_update::applied;
  if (auto saved = replace_file_durably(settings_.crl_file, crl->pem, 0644); !saved) {
    why = "cannot write security.crl_file " + settings_.crl_file + ": " + saved.error().message();
    return crl_update::applied_unsaved;
  }
  crl_mtime_ = modified_at(settings_.crl_file);  // our own write: not read back
  return crl_update::applied;
}

result<cluster_identity> peer_identity(ssl_st* ssl) {
  x509_ptr cert(SSL_get1_peer_certificate(ssl));
  if (!cert || SSL_get_verify_result(ssl) != X509_V_OK) return errc::not_permitted;
  const auto id = identity_of(cert.get());
  if (!id) return errc::not_permitted;
  return *id;
}

}  // namespace df::net
