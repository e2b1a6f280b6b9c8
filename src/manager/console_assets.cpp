#include "manager/console_assets.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <utility>

namespace df::manager {

namespace {

constexpr std::size_t max_path_bytes = 1024;
constexpr std::string_view hashed_dir = "assets";  // Vite's content-hashed output

bool under_hashed_dir(std::string_view rel) {
  return rel.starts_with(hashed_dir) && (rel.size() == hashed_dir.size() || rel[hashed_dir.size()] == '/');
}

// The security headers on every console answer (docs/console.md, "Serving").
void add_security_headers(net::header_map& h) {
  h["Content-Security-Policy"] =
      "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
      "frame-ancestors 'none'";
  h["X-Content-Type-Options"] = "nosniff";
  h["X-Frame-Options"] = "DENY";
  h["Referrer-Policy"] = "no-referrer";
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A short plain-text answer (404, 405) with `headers`.
net::awaitable<void> write_text(net::response_writer& w, int status, net::header_map& headers, std::string_view body) {
  headers["Content-Type"] = "text/plain; charset=utf-8";
  auto head = co_await w.write_head(status, headers, body.size());
  if (head) co_await w.write_body(std::as_bytes(std::span(body.data(), body.size())));
}

// Closes a descriptor when it goes out of scope.
struct fd_guard {
  int fd;
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

bool is_console_path(std::string_view path) {
  const auto under = [&](std::string_view prefix) {
    return path == prefix || (path.starts_with(prefix) && path.size() > prefix.size() && path[prefix.size()] == '/');
  };
  return path.starts_with('/') && !under("/api") && !under("/oapi") && path != "/healthy" && path != "/metrics";
}

std::optional<std::string> console_relative_path(std::string_view path) {
  if (path.size() > max_path_bytes || !path.starts_with('/')) return std::nullopt;
  std::string decoded;
  decoded.reserve(path.size());
  for (std::size_t i = 1; i < path.size(); ++i) {
    char c = path[i];
    if (c == '%') {
      if (i + 2 >= path.size()) return std::nullopt;
      const int hi = hex_value(path[i + 1]), lo = hex_value(path[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (c == '\0' || c == '\\') return std::nullopt;
    decoded += c;
  }
  // Every segment must be a plain name: no "", "." or "..". A trailing '/' names the directory's
  // index (the root only; anything else falls back to index.html as an app route).
  std::size_t begin = 0;
  while (begin < decoded.size()) {
    const auto end = std::min(decoded.find('/', begin), decoded.size());
    const auto segment = std::string_view(decoded).substr(begin, end - begin);
    if (segment.empty() || segment == "." || segment == "..") return std::nullopt;
    begin = end + 1;
  }
  if (!decoded.empty() && decoded.back() == '/') return std::nullopt;
  return decoded;
}

std::string_view console_content_type(std::string_view file_name) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 14> types{{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".ico", "image/x-icon"},
      {".webp", "image/webp"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".webmanifest", "application/manifest+json"},
  }};
  for (const auto& [ext, type] : types)
    if (file_name.ends_with(ext)) return type;
  return "application/octet-stream";
}

console_assets::console_assets(const std::filesystem::path& dir) : root_(std::filesystem::canonical(dir)) {}

std::optional<std::filesystem::path> console_assets::inside(const std::filesystem::path& candidate) const {
  std::error_code ec;
  const auto real = std::filesystem::canonical(candidate, ec);  // resolves every symlink
  if (ec || !std::filesystem::is_regular_file(real, ec)) return std::nullopt;
  const auto rel = real.lexically_relative(root_);
  if (rel.empty() || *rel.begin() == "..") return std::nullopt;
  return real;
}

std::optional<console_file> console_assets::lookup(std::string_view path) const {
  const auto rel = console_relative_path(path);
  if (!rel) return std::nullopt;
  const auto file = [](std::filesystem::path p, std::string_view cache) {
    auto type = std::string(console_content_type(p.filename().native()));
    return console_file{std::move(p), std::move(type), std::string(cache)};
  };
  if (!rel->empty()) {
    if (const auto found = inside(root_ / *rel))
      return file(*found, under_hashed_dir(*rel) ? "public, max-age=31536000, immutable" : "no-cache");
    if (under_hashed_dir(*rel)) return std::nullopt;  // a missing script is a 404, not the page
  }
  if (const auto index = inside(root_ / "index.html")) return file(*index, "no-cache");
  return std::nullopt;
}

net::awaitable<void> console_assets::serve(const net::http_request& r, net::response_writer& w) const {
  net::header_map headers;
  add_security_headers(headers);
  if (r.method != "GET" && r.method != "HEAD") {
    headers["Allow"] = "GET, HEAD";
    co_await write_text(w, 405, headers, "method not allowed\n");
    co_return;
  }
  const auto path = std::string_view(r.target).substr(0, r.target.find('?'));
  const auto found = lookup(path);
  fd_guard fd{found ? ::open(found->file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW) : -1};
  struct stat st{};
  if (fd.fd < 0 || ::fstat(fd.fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    headers["Cache-Control"] = "no-cache";
    co_await write_text(w, 404, headers, "not found\n");
    co_return;
  }
  headers["Content-Type"] = found->content_type;
  headers["Cache-Control"] = found->cache_control;
  const auto size = static_cast<std::uint64_t>(st.st_size);
  auto head = co_await w.write_head(200, headers, size);
  if (head) co_await w.write_file(fd.fd, 0, size);
}

}  // namespace df::manager
