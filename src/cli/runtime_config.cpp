#include "cli/runtime_config.hpp"

#include "core/url.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace df::cli {

namespace fs = std::filesystem;

namespace {

bool read_file(const fs::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  out = s.str();
  return true;
}

// Writes via a temporary file and rename, keeping a .bak of a different previous version.
bool write_config_file(const fs::path& path, const std::string& text, std::string& error) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) {
    error = "cannot create " + path.parent_path().string() + ": " + ec.message();
    return false;
  }
  std::string previous;
  if (read_file(path, previous)) {
    if (previous == text) return true;
    fs::copy_file(path, path.string() + ".bak", fs::copy_options::overwrite_existing, ec);
  }
  const fs::path tmp = path.string() + ".dfinit-tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) {
      error = "cannot write " + tmp.string();
      fs::remove(tmp, ec);
      return false;
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    error = "cannot replace " + path.string() + ": " + ec.message();
    fs::remove(tmp, ec);
    return false;
  }
  return true;
}

std::string mirror_host(const std::string& mirror) {
  const auto u = parse_url(mirror);
  return u ? u->host_header() : mirror;
}

}  // namespace

result<registry_target> parse_registry(const std::string& text) {
  std::string url = text;
  if (!url.starts_with("http://") && !url.starts_with("https://")) url = "https://" + url;
  while (url.ends_with('/')) url.pop_back();
  const auto u = parse_url(url + "/");
  if (!u || u->target != "/") return errc::invalid_argument;
  registry_target t{u->host_header(), u->scheme + "://" + u->host_header()};
  if (t.host == "docker.io" || t.host == "index.docker.io" || t.host == "registry-1.docker.io")
    t = {"docker.io", "https://registry-1.docker.io"};
  return t;
}

std::string containerd_hosts_toml(const registry_target& target, const std::string& mirror) {
  std::string out = "# Written by `dfdaemon init containerd`: pull through the local dfdaemon; when it does\n"
                    "# not answer, containerd goes on to the next host (the registry itself).\n";
  if (!target.server.empty()) out += "server = \"" + target.server + "\"\n";
  out += "\n[host.\"" + mirror + "\"]\n  capabilities = [\"pull\", \"resolve\"]\n";
  return out;
}

std::string podman_registries_conf(const std::vector<registry_target>& targets, const std::string& mirror) {
  std::string out = "# Written by `dfdaemon init podman`: pull these registries through the local dfdaemon.\n"
                    "# The daemon must know each registry's upstream (proxy.default_registry / proxy.registries),\n"
                    "# because podman does not tell a mirror which registry it stands for.\n";
  const auto u = parse_url(mirror);
  const bool plain = u && u->scheme == "http";
  for (const auto& t : targets) {
    out += "\n[[registry]]\nlocation = \"" + t.host + "\"\n\n[[registry.mirror]]\nlocation = \"" + mirror_host(mirror) +
           "\"\n";
    if (plain) out += "insecure = true\n";
  }
  return out;
}

result<std::string> docker_daemon_json(const std::string& existing, const std::string& mirror) {
  nlohmann::json doc = nlohmann::json::object();
  if (existing.find_first_not_of(" \t\r\n") != std::string::npos) {
    doc = nlohmann::json::parse(existing, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) return errc::malformed_message;
  }
  auto& mirrors = doc["registry-mirrors"];
  if (mirrors.is_null()) mirrors = nlohmann::json::array();
  if (!mirrors.is_array()) return errc::malformed_message;
  bool present = false;
  for (const auto& m : mirrors) present = present || (m.is_string() && m.get<std::string>() == mirror);
  if (!present) mirrors.insert(mirrors.begin(), mirror);
  return doc.dump(2) + "\n";
}

int run_runtime_init(const std::string& runtime, const runtime_init_options& o) {
  std::vector<registry_target> targets;
  for (const auto& r : o.registries) {
    auto t = parse_registry(r);
    if (!t) {
      std::cerr << "dfdaemon init: '" << r << "' is not a registry (expected https://host[:port] or host[:port])\n";
      return 2;
    }
    targets.push_back(*t);
  }
  if (!parse_url(o.mirror)) {
    std::cerr << "dfdaemon init: --mirror '" << o.mirror << "' is not a URL like http://127.0.0.1:65001\n";
    return 2;
  }
  std::string error;
  if (runtime == "containerd") {
    if (targets.empty() && !o.all_registries) {
      std::cerr << "dfdaemon init containerd: name at least one --registry, or --all-registries\n";
      return 2;
    }
    if (o.all_registries) targets.push_back({"_default", ""});
    for (const auto& t : targets) {
      const fs::path path = fs::path(o.hosts_dir) / t.host / "hosts.toml";
      if (!write_config_file(path, containerd_hosts_toml(t, o.mirror), error)) {
        std::cerr << "dfdaemon init: " << error << "\n";
        return 7;
      }
      std::cout << "wrote " << path.string() << "\n";
    }
    std::string config;
    if (!read_file(o.containerd_config, config)) {
      const std::string text = "version = 2\n\n[plugins.\"io.containerd.grpc.v1.cri\".registry]\n  config_path = \"" +
                               o.hosts_dir + "\"\n";
      if (!write_config_file(o.containerd_config, text, error)) {
        std::cerr << "dfdaemon init: " << error << "\n";
        return 7;
      }
      std::cout << "wrote " << o.containerd_config << " (registry config_path = " << o.hosts_dir
                << "); restart containerd\n";
    } else if (config.find("config_path") == std::string::npos) {
      std::cout << o.containerd_config << " exists and sets no registry config_path; add under\n"
                << "  [plugins.\"io.containerd.grpc.v1.cri\".registry]\n    config_path = \"" << o.hosts_dir
                << "\"\nthen restart containerd (ctr: pass --hosts-dir " << o.hosts_dir << ")\n";
    } else {
      std::cout << o.containerd_config << " already sets a registry config_path; make sure it is " << o.hosts_dir
                << "\n";
    }
    return 0;
  }
  if (runtime == "docker") {
    std::string existing;
    read_file(o.docker_daemon_json, existing);
    auto text = docker_daemon_json(existing, o.mirror);
    if (!text) {
      std::cerr << "dfdaemon init: " << o.docker_daemon_json << " is not a JSON object with a registry-mirrors list; "
                << "left unchanged\n";
      return 7;
    }
    if (!write_config_file(o.docker_daemon_json, *text, error)) {
      std::cerr << "dfdaemon init: " << error << "\n";
      return 7;
    }
    std::cout << "wrote " << o.docker_daemon_json << " (registry-mirrors: " << o.mirror
              << "); restart dockerd. Docker mirrors Docker Hub only.\n";
    return 0;
  }
  if (runtime == "podman" || runtime == "crio") {
    if (targets.empty()) {
      std::cerr << "dfdaemon init " << runtime << ": name at least one --registry\n";
      return 2;
    }
    const fs::path path = fs::path(o.registries_conf_dir) / "dragonfly.conf";
    if (!write_config_file(path, podman_registries_conf(targets, o.mirror), error)) {
      std::cerr << "dfdaemon init: " << error << "\n";
      return 7;
    }
    std::cout << "wrote " << path.string() << "\n";
    return 0;
  }
  std::cerr << "dfdaemon init: unknown runtime '" << runtime << "' (containerd, docker, podman, crio)\n";
  return 2;
}

}  // namespace df::cli
