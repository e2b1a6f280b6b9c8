#include "cli/progress_bar.hpp"

#include "core/units.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace df::cli {
namespace {

std::string eta_text(double seconds) {
  if (seconds < 0 || seconds > 359999) return "--:--";
  const auto s = static_cast<long>(seconds);
  return s >= 3600 ? fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60) : fmt::format("{}:{:02}", s / 60, s % 60);
}

std::string sources_text(const progress_snapshot& s) {
  const std::uint64_t p2p = s.from_peers + s.from_seed;
  const std::uint64_t all = p2p + s.from_origin + s.from_cache;
  if (all == 0) return "";
  if (s.from_cache == all) return "cache 100%";
  return fmt::format("p2p {:.0f}% origin {:.0f}%", 100.0 * static_cast<double>(p2p) / static_cast<double>(all),
                     100.0 * static_cast<double>(s.from_origin) / static_cast<double>(all));
}

}  // namespace

std::string render_progress(const progress_snapshot& s, int width) {
  const double rate = s.seconds > 0 ? static_cast<double>(s.received) / s.seconds : 0;
  std::string right = fmt::format(" {}/{} {}/s", format_size(static_cast<double>(s.received)),
                                  s.total >= 0 ? format_size(static_cast<double>(s.total)) : "?", format_size(rate));
  if (s.total >= 0 && rate > 0)
    right += " ETA " + eta_text(static_cast<double>(static_cast<std::uint64_t>(s.total) - std::min<std::uint64_t>(s.received, s.total)) / rate);
  if (const auto src = sources_text(s); !src.empty()) right += "  " + src;
  const int pct = s.total > 0 ? static_cast<int>(100.0 * static_cast<double>(s.received) / static_cast<double>(s.total))
                              : (s.total == 0 ? 100 : 0);
  const std::string pct_text = fmt::format("{:3}%", std::clamp(pct, 0, 100));
  const int bar_width = width - static_cast<int>(right.size() + pct_text.size()) - 3;
  if (bar_width < 10) return (pct_text + right).substr(0, static_cast<std::size_t>(std::max(width, 0)));
  const int filled = bar_width * std::clamp(pct, 0, 100) / 100;
  return fmt::format("[{}{}] {}{}", std::string(static_cast<std::size_t>(filled), '#'),
                     std::string(static_cast<std::size_t>(bar_width - filled), ' '), pct_text, right);
}

std::string render_summary(const progress_snapshot& s, bool back_to_source) {
  const double rate = s.seconds > 0 ? static_cast<double>(s.received) / s.seconds : 0;
  return fmt::format("downloaded {} in {:.1f}s ({}/s): peers {}, seed peer {}, origin {}, local cache {}{}",
                     format_size(static_cast<double>(s.received)), s.seconds, format_size(rate),
                     format_size(static_cast<double>(s.from_peers)), format_size(static_cast<double>(s.from_seed)),
                     format_size(static_cast<double>(s.from_origin)), format_size(static_cast<double>(s.from_cache)),
                     back_to_source ? " (back-to-source)" : "");
}

}  // namespace df::cli
