#include "cli/download.hpp"

#include "cli/progress_bar.hpp"
#include "core/digest.hpp"
#include "core/url.hpp"
#include "net/fd_passing.hpp"
#include "net/frame.hpp"
#include "net/local_protocol.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <optional>
#include <utility>
#include <vector>

namespace df::cli {

namespace local = net::local;
using clock = std::chrono::steady_clock;

namespace {

// The temporary file's path for the signal handler (SIGINT/SIGTERM remove it before exiting).
char interrupted_path[4096] = {};

extern "C" void remove_temp_and_exit(int sig) {
  if (interrupted_path[0] != '\0') ::unlink(interrupted_path);  // async-signal-safe
  ::_exit(128 + sig);
}

// A file written next to the output and renamed over it only on success; removed otherwise,
// also when dfget is interrupted.
class temp_output {
 public:
  explicit temp_output(const std::string& output) {
    const std::filesystem::path out(output);
    path_ = (out.parent_path().empty() ? std::filesystem::path(".") : out.parent_path()) /
            fmt::format(".{}.dfget-{}.tmp", out.filename().string(), ::getpid());
    if (path_.native().size() < sizeof interrupted_path) {
      std::memcpy(interrupted_path, path_.c_str(), path_.native().size() + 1);
      std::signal(SIGINT, remove_temp_and_exit);
      std::signal(SIGTERM, remove_temp_and_exit);
    }
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) error_ = std::strerror(errno);
  }
  ~temp_output() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(path_.c_str());
    interrupted_path[0] = '\0';
  }
  const std::string& error() const { return error_; }
  bool ok() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  const std::filesystem::path& path() const { return path_; }
  bool write(const char* data, std::size_t n) {
    while (n > 0) {
      const ssize_t w = ::write(fd_, data, n);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        error_ = std::strerror(errno);
        return false;
      }
      data += w;
      n -= static_cast<std::size_t>(w);
    }
    return true;
  }
  // Makes the temporary name a hard link to `source` instead of the file opened for writing.
  bool link_from(const std::string& source) {
    ::close(std::exchange(fd_, -1));
    ::unlink(path_.c_str());
    if (::link(source.c_str(), path_.c_str()) != 0) {
      error_ = std::strerror(errno);
      return false;
    }
    return true;
  }
  // Renames the finished file over the output (atomic; like curl and wget, no fsync of the data).
  bool commit(const std::string& output) {
    if (fd_ >= 0 && ::close(std::exchange(fd_, -1)) != 0) {
      error_ = std::strerror(errno);
      return false;
    }
    if (::rename(path_.c_str(), output.c_str()) != 0) {
      error_ = std::strerror(errno);
      return false;
    }
    // When the output already is a hard link to the same cached file (a second download of it),
    // rename(2) succeeds without doing anything and the temporary name stays: remove it.
    ::unlink(path_.c_str());
    committed_ = true;
    interrupted_path[0] = '\0';
    return true;
  }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  bool committed_ = false;
  std::string error_;
};

// A blocking unix-socket connection to the daemon with an overall deadline.
class daemon_connection {
 public:
  explicit daemon_connection(std::optional<clock::time_point> deadline) : deadline_(deadline) {}
  ~daemon_connection() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool connect(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (fd_ < 0 || path.size() >= sizeof addr.sun_path) return false;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    return ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  bool send_frame(net::frame_kind kind, const std::string& payload) {
    const std::string f = net::encode_frame(kind, payload);
    return ::send(fd_, f.data(), f.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(f.size());
  }
  // Hands `file` to the daemon: one byte carrying the descriptor (SCM_RIGHTS).
  bool send_fd(int file) { return net::send_fd(fd_, file); }
  // Reads exactly n bytes; false on EOF, error or deadline (timed_out() tells which).
  bool read_exact(char* out, std::size_t n) {
    while (n > 0) {
      int wait_ms = -1;
      if (deadline_) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline_ - clock::now()).count();
        if (left <= 0) return timed_out_ = true, false;
        wait_ms = static_cast<int>(std::min<long long>(left, 1000));
      }
      pollfd p{fd_, POLLIN, 0};
      const int r = ::poll(&p, 1, wait_ms);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return false;
      if (r == 0) continue;
      const ssize_t got = ::recv(fd_, out, n, 0);
      if (got <= 0) return false;
      out += got;
      n -= static_cast<std::size_t>(got);
    }
    return true;
  }
  result<std::pair<net::frame_kind, std::string>> read_frame() {
    char header[net::frame_header_size];
    if (!read_exact(header, sizeof header)) return errc::daemon_unreachable;
    auto h = net::decode_frame_header(std::string_view(header, sizeof header));
    if (!h) return h.error();
    std::string payload(h->length, '\0');
    if (h->length && !read_exact(payload.data(), payload.size())) return errc::daemon_unreachable;
    return std::pair{h->kind, std::move(payload)};
  }
  bool timed_out() const { return timed_out_; }

 private:
  int fd_ = -1;
  std::optional<clock::time_point> deadline_;
  bool timed_out_ = false;
};

int terminal_width() {
  winsize w{};
  return ::ioctl(STDERR_FILENO, TIOCGWINSZ, &w) == 0 && w.ws_col > 20 ? w.ws_col : 80;
}

// sha256 of a whole file, read back from the page cache.
result<std::string> hash_file(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errc::storage_io;
  sha256_hasher h;
  std::vector<std::byte> buf(1 << 20);
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return errc::storage_io;
    }
    if (n == 0) break;
    h.update(std::span(buf.data(), static_cast<std::size_t>(n)));
  }
  ::close(fd);
  return h.final_hex();
}

exit_code code_for(const local::download_error& e) {
  if (e.error_type == "origin") return exit_code::origin_error;
  if (e.error_type == "output") return exit_code::output_error;
  if (e.error_type == "daemon") return exit_code::daemon_error;
  if (e.error_type == "digest") return exit_code::digest_mismatch;
  return exit_code::p2p_error;
}

}  // namespace

bool parse_header(const std::string& text, std::map<std::string, std::string>& headers) {
  const auto colon = text.find(':');
  if (colon == std::string::npos || colon == 0) return false;
  std::string value = text.substr(colon + 1);
  value.erase(0, value.find_first_not_of(" \t"));
  headers[text.substr(0, colon)] = value;
  return true;
}

namespace {

// How one attempt hands the bytes over.
enum class delivery { link, copy, stream };

// One request to the daemon, delivered as `how`. Sets `link_failed` (and returns) when the
// daemon's copy could not be hard-linked: the caller asks again for a copy.
exit_code download_once(const download_options& opts, const std::optional<digest_spec>& want, delivery how,
                        clock::time_point start, std::optional<clock::time_point> deadline, bool& link_failed,
                        std::ostream& err) {

  daemon_connection conn(deadline);
  if (!conn.connect(opts.socket)) {
    err << "dfget: cannot reach dfdaemon at " << opts.socket << ": " << std::strerror(errno)
        << " (is dfdaemon running? see --socket)\n";
    return exit_code::daemon_unreachable;
  }
  temp_output out(opts.output);
  if (!out.ok()) {
    err << "dfget: cannot write next to " << opts.output << ": " << out.error() << "\n";
    return exit_code::output_error;
  }
  local::download_request req{1,
                              opts.url,
                              opts.headers,
                              opts.tag,
                              opts.application,
                              split_filter(opts.filter),
                              opts.disable_back_to_source,
                              how != delivery::stream,  // pass_fd
                              opts.rate_limit,
                              how == delivery::link};
  if (!conn.send_frame(net::frame_kind::message, local::encode(req)) ||
      (req.pass_fd && !conn.send_fd(out.fd()))) {
    err << "dfget: dfdaemon at " << opts.socket << " closed the connection\n";
    return exit_code::daemon_unreachable;
  }
  sha256_hasher hasher;
  progress_snapshot snap;
  auto last_draw = clock::time_point{};
  const auto draw = [&](bool force) {
    if (!opts.progress) return;
    const auto now = clock::now();
    if (!force && now - last_draw < std::chrono::milliseconds(100)) return;
    last_draw = now;
    snap.seconds = std::chrono::duration<double>(now - start).count();
    err << "\r" << render_progress(snap, terminal_width() - 1) << std::flush;
  };
  const auto end_line = [&] {
    if (opts.progress) err << "\n";
  };

  for (;;) {
    auto f = conn.read_frame();
    if (!f) {
      end_line();
      if (conn.timed_out()) {
        err << "dfget: timed out after " << opts.timeout.count() / 1000.0 << "s; no file written to " << opts.output << "\n";
        return exit_code::timeout;
      }
      err << "dfget: lost the connection to dfdaemon mid-download: " << f.error().message() << "\n";
      return exit_code::daemon_error;
    }
    if (f->first == net::frame_kind::data) {
      if (!out.write(f->second.data(), f->second.size())) {
        end_line();
        err << "dfget: cannot write " << opts.output << ": " << out.error() << "\n";
        return exit_code::output_error;
      }
      if (want) hasher.update(f->second);
      snap.received += f->second.size();
      draw(false);
      continue;
    }
    auto m = local::decode(f->second);
    if (!m) {
      end_line();
      err << "dfget: dfdaemon sent a malformed message: " << m.error().message() << "\n";
      return exit_code::daemon_error;
    }
    if (const auto* s = std::get_if<local::download_started>(&*m)) {
      snap.total = s->content_length;
    } else if (const auto* p = std::get_if<local::progress>(&*m)) {
      snap.from_peers = p->from_peers, snap.from_seed = p->from_seed, snap.from_origin = p->from_origin,
      snap.from_cache = p->from_cache;
      if (req.pass_fd) snap.received = p->delivered;
      draw(false);
    } else if (const auto* n = std::get_if<local::notice>(&*m)) {
      end_line();
      err << "dfget: " << n->message << "\n";
    } else if (const auto* e = std::get_if<local::download_error>(&*m)) {
      end_line();
      err << "dfget: download failed (" << e->error_type << " error): " << e->message << "\n";
      return code_for(*e);
    } else if (const auto* d = std::get_if<local::download_done>(&*m)) {
      snap.from_peers = d->sources.from_peers, snap.from_seed = d->sources.from_seed,
      snap.from_origin = d->sources.from_origin, snap.from_cache = d->sources.from_cache;
      if (req.pass_fd) snap.received = d->sources.delivered;
      draw(true);
      end_line();
      if (snap.received != d->content_length) {
        err << "dfget: received " << snap.received << " bytes but the task has " << d->content_length << "\n";
        return exit_code::daemon_error;
      }
      // Empty cache_path: another filesystem, the daemon has copied the bytes into our file.
      if (how == delivery::link && !d->cache_path.empty() && !out.link_from(d->cache_path)) {
        err << "dfget: cannot hard-link " << d->cache_path << " to " << opts.output << ": " << out.error()
            << "; copying it instead\n";
        link_failed = true;
        return exit_code::output_error;
      }
      if (want) {
        auto file_digest = req.pass_fd ? hash_file(out.path()) : result<std::string>(hasher.final_hex());
        if (!file_digest) {
          err << "dfget: cannot read back " << out.path().string() << " to check its digest\n";
          return exit_code::output_error;
        }
        const std::string got = *file_digest;
        if (got != want->hex) {
          err << "dfget: digest mismatch: expected sha256:" << want->hex << ", got sha256:" << got
              << "; nothing written to " << opts.output << "\n";
          return exit_code::digest_mismatch;
        }
      }
      if (!out.commit(opts.output)) {
        err << "dfget: cannot move the download to " << opts.output << ": " << out.error() << "\n";
        return exit_code::output_error;
      }
      snap.seconds = std::chrono::duration<double>(clock::now() - start).count();
      if (opts.summary) err << "dfget: " << render_summary(snap, d->back_to_source) << "\n";
      return exit_code::ok;
    }
  }
}

}  // namespace

exit_code run_download(const download_options& opts, std::ostream& err) {
  if (!parse_url(opts.url)) {
    err << "dfget: invalid URL '" << opts.url << "' (expected http://host[:port]/path)\n";
    return exit_code::usage;
  }
  std::optional<digest_spec> want;
  if (!opts.digest.empty()) {
    auto d = parse_digest(opts.digest);
    if (!d) {
      err << "dfget: invalid --digest '" << opts.digest << "' (expected sha256:<64 hex digits>)\n";
      return exit_code::usage;
    }
    want = *d;
  }
  const auto start = clock::now();
  std::optional<clock::time_point> deadline;
  if (opts.timeout.count() > 0) deadline = start + opts.timeout;
  // By default the output becomes a hard link to the daemon's verified copy (no second copy of
  // the bytes on disk); where that cannot be (another filesystem, no permission), a copy.
  const delivery first = opts.stream_over_socket ? delivery::stream : opts.copy ? delivery::copy : delivery::link;
  bool link_failed = false;
  const exit_code rc = download_once(opts, want, first, start, deadline, link_failed, err);
  if (!link_failed) return rc;
  return download_once(opts, want, delivery::copy, start, deadline, link_failed, err);
}

}  // namespace df::cli
