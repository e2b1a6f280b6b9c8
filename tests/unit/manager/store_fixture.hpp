#pragma once
// The store suites' fixture, run against both backends: SQLite in a temp dir, and PostgreSQL when
// DF_TEST_POSTGRES names one (tests/support/postgres.py starts a private server and sets it).
#include "manager/sql_store.hpp"
#include "../../support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>

namespace df::manager {

inline const char* postgres_conninfo() { return std::getenv("DF_TEST_POSTGRES"); }

/// A fresh store on the backend the test is instantiated with ("sqlite", "postgres").
class store_fixture : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgres") {
      if (!postgres_conninfo()) GTEST_SKIP() << "DF_TEST_POSTGRES is not set (run through tests/support/postgres.py)";
      // A clean schema for every test.
      open_postgres(postgres_conninfo(), 10000)->execute_script("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
    }
    db = make_sql_store(connect());
  }

  std::unique_ptr<sql_connection> connect() {
    if (GetParam() == "postgres") return open_postgres(postgres_conninfo(), 10000);
    return open_sqlite((dir.path() / "manager.db").string(), 5000);
  }

  scheduler_cluster named(const std::string& name) {
    scheduler_cluster c;
    c.name = name;
    c.scopes.cidrs = {"10.0.0.0/8"};
    c.config.peer_upload_rate_limit = 1000;
    return c;
  }

  df::test::temp_dir dir;
  std::unique_ptr<store> db;
};

}  // namespace df::manager
