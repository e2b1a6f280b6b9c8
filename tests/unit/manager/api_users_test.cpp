// The console's accounts without sockets: users, roles and the audit log through handle_api, the
// session endpoints through answer_session_endpoint, over a real SQLite store with an injected clock.
#include "core/yaml_config.hpp"
#include "manager/api.hpp"
#include "manager/audit.hpp"
#include "manager/console_auth.hpp"
#include "manager/json_codec.hpp"
#include "manager/sql_store.hpp"
#include "../../support/temp_dir.hpp"

#include <gtest/gtest.h>

namespace df::manager {
namespace {

constexpr const char* password = "a good long password";

class api_users_test : public ::testing::Test {
 protected:
  void SetUp() override { create_root_account(*db, password, now); }

  api_response call(const std::string& method, const std::string& path, const std::string& body = "") {
    const auto q = path.find('?');
    return handle_api(ctx, {method, path.substr(0, q), q == std::string::npos ? "" : path.substr(q + 1), body});
  }
  json call_json(const std::string& method, const std::string& path, const std::string& body = "", int expected = 200) {
    const auto r = call(method, path, body);
    EXPECT_EQ(r.status, expected) << method << " " << path << ": " << r.body;
    return r.body.empty() ? json() : json::parse(r.body);
  }
  session_answer session(const std::string& method, const std::string& what, const std::string& body,
                         const std::string& cookie = "", const std::string& csrf = "", const std::string& ip = "10.0.0.9") {
    const api_request req{method, "/api/v1/users/" + what, "", body};
    return answer_session_endpoint(*db, settings, {req, cookie, csrf, ip}, now);
  }
  // Signs in; the cookie and the CSRF token.
  std::pair<std::string, std::string> sign_in(const std::string& name, const std::string& pw) {
    const auto a = session("POST", "signin", json{{"name", name}, {"password", pw}}.dump());
    EXPECT_EQ(a.response.status, 200) << a.response.body;
    std::string set_cookie;
    for (const auto& [k, v] : a.response.headers)
      if (k == "Set-Cookie") set_cookie = v;
    return {session_cookie(set_cookie.substr(0, set_cookie.find(';'))), json::parse(a.response.body)["csrf_token"]};
  }

  df::test::temp_dir dir;
  std::unique_ptr<store> db = make_sql_store(open_sqlite((dir.path() / "m.db").string(), 5000));
  std::int64_t now = 1'000'000;
  api_context ctx{*db, [this] { return now; }, std::chrono::milliseconds(5000), 3};
  console_settings settings;
};

TEST_F(api_users_test, user_crud_and_validation) {
  const auto bob = call_json("POST", "/api/v1/users",
                             R"({"name":"bob","email":"bob@example.com","password":"twelve chars!","roles":["guest"]})",
                             201);
  EXPECT_EQ(bob["state"], "enabled");
  EXPECT_FALSE(bob.contains("password_hash"));
  const auto id = std::to_string(bob["id"].get<std::int64_t>());
  const std::vector<std::tuple<std::string, std::string, std::string, int, std::string>> cases = {
      {"POST", "/api/v1/users", R"({"name":"bob","password":"twelve chars!"})", 409, "conflict"},
      {"POST", "/api/v1/users", R"({"name":"x y","password":"twelve chars!"})", 400, "invalid_value"},
      {"POST", "/api/v1/users", R"({"name":")" + std::string(65, 'a') + R"(","password":"twelve chars!"})", 400,
       "invalid_value"},
      {"POST", "/api/v1/users", R"({"name":"c","password":"short"})", 400, "invalid_value"},
      {"POST", "/api/v1/users", R"({"name":"c"})", 400, "invalid_value"},
      {"POST", "/api/v1/users", R"({"name":"c","password":"twelve chars!","roles":["wizard"]})", 400, "invalid_value"},
      {"POST", "/api/v1/users", R"({"name":"c","password":"twelve chars!","admin":true})", 400, "unknown_field"},
      {"POST", "/api/v1/users", R"({"name":"c","password":"twelve chars!","email":"no-at"})", 400, "invalid_value"},
      {"POST", "/api/v1/users", R"({"name":"c","password":"twelve chars!","scheduler_cluster_ids":[0]})", 400,
       "invalid_value"},
      {"PATCH", "/api/v1/users/" + id, R"({"state":"gone"})", 400, "invalid_value"},
      {"PATCH", "/api/v1/users/" + id, R"({"name":"renamed"})", 400, "unknown_field"},
      {"POST", "/api/v1/users/" + id + "/reset_password", R"({"new_password":"short"})", 400, "invalid_value"},
      {"GET", "/api/v1/users/999", "", 404, "not_found"},
      {"PUT", "/api/v1/users", "", 405, "method_not_allowed"},
  };
  for (const auto& [method, path, body, status, code] : cases) {
    const auto r = call(method, path, body);
    EXPECT_EQ(r.status, status) << method << " " << path << " " << body << ": " << r.body;
    EXPECT_EQ(r.error_code, code) << method << " " << path << " " << body;
  }
  const auto patched = call_json("PATCH", "/api/v1/users/" + id,
                                 R"({"roles":["cluster-admin"],"scheduler_cluster_ids":[1],"state":"disabled"})");
  EXPECT_EQ(patched["roles"], json::array({"cluster-admin"}));
  EXPECT_EQ(patched["email"], "bob@example.com");  // kept
  const auto listed = call("GET", "/api/v1/users?name=bo");
  EXPECT_EQ(json::parse(listed.body).size(), 1u);
  EXPECT_EQ(listed.headers.at(0).second, "1");
  call_json("DELETE", "/api/v1/users/" + id);
  EXPECT_EQ(call("GET", "/api/v1/users/" + id).status, 404);
}

TEST_F(api_users_test, the_last_super_admin_stays) {
  const auto root = db->accounts().find_user("root");
  ASSERT_TRUE(root);
  const auto path = "/api/v1/users/" + std::to_string(root->id);
  EXPECT_EQ(call("DELETE", path).status, 409);
  EXPECT_EQ(call("PATCH", path, R"({"state":"disabled"})").status, 409);
  EXPECT_EQ(call("PATCH", path, R"({"roles":["guest"]})").status, 409);
  call_json("POST", "/api/v1/users", R"({"name":"root2","password":"twelve chars!","roles":["super-admin"]})", 201);
  call_json("PATCH", path, R"({"state":"disabled"})");  // another one exists now
}

TEST_F(api_users_test, roles_builtin_read_only_custom_editable) {
  const auto roles = call_json("GET", "/api/v1/roles");
  ASSERT_EQ(roles.size(), 4u);
  EXPECT_EQ(roles[0]["name"], "super-admin");
  EXPECT_EQ(roles[3]["permissions"], json::array({"cluster:read", "job:read"}));
  EXPECT_EQ(call_json("GET", "/api/v1/permissions").size(), permission_count);
  EXPECT_EQ(call("PATCH", "/api/v1/roles/guest", R"({"permissions":[]})").status, 403);
  EXPECT_EQ(call("DELETE", "/api/v1/roles/super-admin").status, 403);
  EXPECT_EQ(call("POST", "/api/v1/roles", R"({"name":"guest","permissions":[]})").status, 409);
  EXPECT_EQ(call("POST", "/api/v1/roles", R"({"name":"x","permissions":["root:all"]})").status, 400);
  const auto auditor = call_json("POST", "/api/v1/roles", R"({"name":"auditor","permissions":["audit:read"]})", 201);
  EXPECT_EQ(auditor["builtin"], false);
  call_json("PATCH", "/api/v1/roles/auditor", R"({"permissions":["audit:read","user:read"]})");
  call_json("POST", "/api/v1/users", R"({"name":"eve","password":"twelve chars!","roles":["auditor"]})", 201);
  EXPECT_EQ(call("DELETE", "/api/v1/roles/auditor").status, 409);  // eve holds it
  const auto eve = sign_in("eve", "twelve chars!");
  const auto me = session("GET", "me", "", eve.first);
  EXPECT_EQ(json::parse(me.response.body)["permissions"], json::array({"user:read", "audit:read"}));
}

TEST_F(api_users_test, sign_in_me_sign_out) {
  const auto wrong = session("POST", "signin", R"({"name":"root","password":"not the password"})");
  const auto unknown = session("POST", "signin", R"({"name":"nobody","password":"not the password"})");
  EXPECT_EQ(wrong.response.status, 401);
  EXPECT_EQ(wrong.response.body, unknown.response.body);  // the same answer for both
  EXPECT_EQ(wrong.signin, signin_outcome::failure);
  EXPECT_EQ(session("POST", "signin", R"({"name":"root"})").response.status, 400);
  const auto a = session("POST", "signin", json{{"name", "root"}, {"password", password}}.dump());
  ASSERT_EQ(a.response.status, 200) << a.response.body;
  EXPECT_EQ(a.signin, signin_outcome::success);
  EXPECT_EQ(a.actor.type, "user");
  std::string set_cookie;
  for (const auto& [k, v] : a.response.headers)
    if (k == "Set-Cookie") set_cookie = v;
  EXPECT_NE(set_cookie.find("; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200"), std::string::npos) << set_cookie;
  EXPECT_EQ(set_cookie.find("Secure"), std::string::npos);
  const auto cookie = session_cookie(set_cookie.substr(0, set_cookie.find(';')));
  ASSERT_EQ(cookie.size(), 43u);
  const auto me = json::parse(session("GET", "me", "", cookie).response.body);
  EXPECT_EQ(me["name"], "root");
  EXPECT_EQ(me["permissions"].size(), permission_count);
  EXPECT_EQ(me["last_signin_at"], now);
  const auto csrf = me["csrf_token"].get<std::string>();
  EXPECT_EQ(session("POST", "signout", "", cookie, "wrong").response.status, 403);  // CSRF
  EXPECT_EQ(session("POST", "signout", "", cookie, csrf).response.status, 204);
  EXPECT_EQ(session("GET", "me", "", cookie).response.status, 401);
}

TEST_F(api_users_test, the_cookie_is_secure_over_tls) {
  settings = console_settings::from(config::console_config{}, true);
  const auto a = session("POST", "signin", json{{"name", "root"}, {"password", password}}.dump());
  ASSERT_EQ(a.response.status, 200);
  std::string set_cookie;
  for (const auto& [k, v] : a.response.headers)
    if (k == "Set-Cookie") set_cookie = v;
  EXPECT_TRUE(set_cookie.ends_with("; Secure")) << set_cookie;
}

TEST_F(api_users_test, sessions_expire_when_idle_or_old) {
  const auto [cookie, csrf] = sign_in("root", password);
  now += settings.idle_timeout_ms - 1000;
  EXPECT_NO_THROW(session_caller(*db, settings, cookie, now));
  now += settings.idle_timeout_ms - 1000;  // active a minute ago: still alive
  EXPECT_NO_THROW(session_caller(*db, settings, cookie, now));
  now += settings.idle_timeout_ms + 1;
  EXPECT_THROW(session_caller(*db, settings, cookie, now), api_error);
  const auto second = sign_in("root", password);
  for (int i = 0; i < 13; ++i) {  // active all the time, but 12 h is the end
    now += 59 * 60 * 1000;
    if (i < 12) {
      EXPECT_NO_THROW(session_caller(*db, settings, second.first, now)) << i;
    }
  }
  EXPECT_THROW(session_caller(*db, settings, second.first, now), api_error);
}

TEST_F(api_users_test, five_failures_lock_a_name_or_an_address) {
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(session("POST", "signin", R"({"name":"root","password":"wrong password!"})").response.status, 401);
  const auto locked = session("POST", "signin", json{{"name", "root"}, {"password", password}}.dump());
  EXPECT_EQ(locked.response.status, 429);
  EXPECT_EQ(locked.signin, signin_outcome::locked);
  ASSERT_EQ(locked.response.headers.at(0).first, "Retry-After");
  EXPECT_EQ(locked.response.headers.at(0).second, "300");
  // The address is locked for other names too; another address for root is locked by name.
  EXPECT_EQ(session("POST", "signin", R"({"name":"other","password":"x"})").response.status, 429);
  EXPECT_EQ(session("POST", "signin", json{{"name", "root"}, {"password", password}}.dump(), "", "", "10.0.0.8")
                .response.status,
            429);
  now += settings.failure_window_ms;
  EXPECT_EQ(session("POST", "signin", json{{"name", "root"}, {"password", password}}.dump()).response.status, 200);
}

TEST_F(api_users_test, a_password_change_ends_the_other_sessions) {
  const auto one = sign_in("root", password);
  const auto two = sign_in("root", password);
  const auto body = json{{"old_password", password}, {"new_password", "a brand new password"}}.dump();
  EXPECT_EQ(session("POST", "me/password", body, one.first, "").response.status, 403);  // CSRF
  EXPECT_EQ(session("POST", "me/password", json{{"old_password", "wrong one!!!!"}, {"new_password", "a brand new password"}}.dump(),
                    one.first, one.second)
                .response.status,
            403);
  EXPECT_EQ(session("POST", "me/password", body, one.first, one.second).response.status, 204);
  EXPECT_NO_THROW(session_caller(*db, settings, one.first, now));
  EXPECT_THROW(session_caller(*db, settings, two.first, now), api_error);
  EXPECT_EQ(session("POST", "signin", json{{"name", "root"}, {"password", password}}.dump()).response.status, 401);
  sign_in("root", "a brand new password");
}

TEST_F(api_users_test, audits_list_filter_and_csv) {
  auto& a = db->accounts();
  ASSERT_TRUE(a.append_audit(make_audit({"user", "=cmd|' /C calc'!A0"}, "10.0.0.1", "POST",
                                        "/api/v1/scheduler-clusters", 201, R"({"id":12,"name":"x"})", 5000)));
  ASSERT_TRUE(a.append_audit(make_audit({"admin_token", "admin"}, "10.0.0.2", "DELETE", "/api/v1/jobs/3", 200, "", 6000)));
  const auto rows = call_json("GET", "/api/v1/audits?actor_type=user");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["resource"], "scheduler-clusters");
  EXPECT_EQ(rows[0]["resource_id"], "12");  // from the answer of a create
  EXPECT_EQ(call_json("GET", "/api/v1/audits?path=%2Fapi%2Fv1%2Fjobs")[0]["resource_id"], "3");
  EXPECT_EQ(call_json("GET", "/api/v1/audits?since=5500&until=7000").size(), 1u);
  EXPECT_EQ(call("GET", "/api/v1/audits?actor_type=robot").status, 400);
  EXPECT_EQ(call("GET", "/api/v1/audits?since=-1").status, 400);
  const auto csv = call("GET", "/api/v1/audits.csv");
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.headers.at(0).second, "text/csv; charset=utf-8");
  EXPECT_EQ(csv.body.substr(0, csv.body.find("\r\n")), "id,time,actor_type,actor,ip,method,path,status,resource,resource_id");
  EXPECT_NE(csv.body.find(",'=cmd|' /C calc'!A0,"), std::string::npos) << csv.body;
}

TEST(audit, csv_cells_are_quoted_and_formula_safe) {
  EXPECT_EQ(csv_cell("plain"), "plain");
  EXPECT_EQ(csv_cell("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_cell("line\nbreak"), "\"line\nbreak\"");
  EXPECT_EQ(csv_cell("=1+2"), "'=1+2");
  EXPECT_EQ(csv_cell("+1"), "'+1");
  EXPECT_EQ(csv_cell("-1"), "'-1");
  EXPECT_EQ(csv_cell("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(csv_cell("=a,b"), "\"'=a,b\"");
  EXPECT_EQ(csv_cell(""), "");
}

TEST(audit, rows_name_the_resource_and_never_a_body) {
  const auto a = make_audit({"personal_access_token", "4"}, "::1", "POST", "/oapi/v1/jobs", 200,
                            R"({"id":9,"args":{"password":"secret"}})", 77);
  EXPECT_EQ(a.resource, "jobs");
  EXPECT_EQ(a.resource_id, "9");
  EXPECT_EQ(a.time, 77);
  EXPECT_FALSE(state_changing("GET"));
  EXPECT_FALSE(state_changing("HEAD"));
  EXPECT_TRUE(state_changing("PATCH"));
}

TEST(console_auth, the_session_cookie_is_read_strictly) {
  const std::string v(43, 'A');
  EXPECT_EQ(session_cookie("a=1; df_session=" + v + "; b=2"), v);
  EXPECT_EQ(session_cookie("df_session=" + v), v);
  EXPECT_EQ(session_cookie("df_session=short"), "");
  EXPECT_EQ(session_cookie("df_session=" + std::string(42, 'A') + "!"), "");
  EXPECT_EQ(session_cookie("xdf_session=" + v), "");
  EXPECT_EQ(session_cookie(""), "");
}

TEST(console_auth, the_root_password_from_the_environment_follows_the_policy) {
  df::test::temp_dir dir;
  auto db = make_sql_store(open_sqlite((dir.path() / "m.db").string(), 5000));
  EXPECT_THROW(create_root_account(*db, "short", 1), config_error);
  const auto generated = create_root_account(*db, nullptr, 1);
  ASSERT_TRUE(generated);
  EXPECT_GE(generated->size(), 20u);
  EXPECT_FALSE(create_root_account(*db, nullptr, 2));  // once only
  EXPECT_EQ(db->accounts().list_users({}, "")->total, 1u);
}

}  // namespace
}  // namespace df::manager
