#include "daemon/access_cache.hpp"

#include "core/digest.hpp"
#include "core/url.hpp"

#include <fmt/format.h>

#include <strings.h>

namespace df::daemon {

namespace {

std::string userinfo_of(std::string_view url) {
  const auto u = parse_url(url);
  return u ? u->userinfo : std::string{};
}

}  // namespace

std::string credential_fingerprint(const net::header_map& headers, std::string_view url) {
  sha256_hasher h;
  for (const char* name : credential_headers) {
    const auto it = headers.find(name);
    const std::string_view value = it == headers.end() ? std::string_view{} : std::string_view(it->second);
    h.update(fmt::format("{}:{}:", name, value.size()));
    h.update(value);
  }
  const std::string userinfo = userinfo_of(url);
  h.update(fmt::format("userinfo:{}:", userinfo.size()));
  h.update(userinfo);
  return h.final_hex();
}

bool carries_credentials(const std::map<std::string, std::string>& headers, std::string_view url,
                         const std::vector<std::string>& filters) {
  for (const auto& [name, value] : headers) {
    for (const char* secret : credential_headers)
      if (::strcasecmp(name.c_str(), secret) == 0) return true;
    if (::strcasecmp(name.c_str(), "Proxy-Authorization") == 0) return true;
  }
  return !userinfo_of(url).empty() || query_carries_credentials(url, filters);
}

access_cache::access_cache(std::chrono::milliseconds ttl, std::size_t capacity) : ttl_(ttl), capacity_(capacity) {}

std::string access_cache::key(const std::string& fingerprint, std::string_view url) {
  return fingerprint + " " + strip_userinfo(url);
}

bool access_cache::allowed(const std::string& fingerprint, std::string_view url, clock::time_point now) {
  drop_expired(now);
  return entries_.contains(key(fingerprint, url));
}

void access_cache::remember(const std::string& fingerprint, std::string_view url, clock::time_point now) {
  if (ttl_.count() <= 0 || capacity_ == 0) return;
  drop_expired(now);
  std::string k = key(fingerprint, url);
  if (auto it = entries_.find(k); it != entries_.end()) {
    order_.erase(it->second.position);
    entries_.erase(it);
  }
  while (entries_.size() >= capacity_) {
    entries_.erase(order_.front());
    order_.pop_front();
  }
  order_.push_back(k);
  entries_.emplace(std::move(k), entry{now + ttl_, std::prev(order_.end())});
}

std::list<std::string> access_cache::keys() const { return order_; }

void access_cache::drop_expired(clock::time_point now) {
  while (!order_.empty()) {
    const auto it = entries_.find(order_.front());
    if (it->second.expires > now) break;
    entries_.erase(it);
    order_.pop_front();
  }
}

}  // namespace df::daemon
