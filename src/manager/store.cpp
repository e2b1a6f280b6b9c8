#include "manager/store.hpp"

namespace df::manager {

namespace {

class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "df.manager.store"; }
  std::string message(int value) const override {
    switch (static_cast<store_errc>(value)) {
      case store_errc::ok: return "ok";
      case store_errc::not_found: return "no row with that id";
      case store_errc::conflict: return "a row with that name (or that host) exists already";
      case store_errc::unavailable: return "the database cannot be reached or refused the statement";
    }
    return "unknown store error";
  }
};

}  // namespace

const boost::system::error_category& store_category() noexcept {
  static const category c;
  return c;
}

}  // namespace df::manager
