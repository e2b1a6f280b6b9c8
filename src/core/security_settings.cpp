#include "core/security_settings.hpp"

#include "core/yaml_config.hpp"

namespace df {

std::string_view mode_name(security_mode m) {
  switch (m) {
    case security_mode::off: return "off";
    case security_mode::tls: return "tls";
    case security_mode::mtls: return "mtls";
  }
  return "off";
}

std::optional<security_mode> parse_mode(std::string_view text) {
  if (text == "off") return security_mode::off;
  if (text == "tls") return security_mode::tls;
  if (text == "mtls") return security_mode::mtls;
  return std::nullopt;
}

void security_settings::read(const YAML::Node& section) {
  std::string text(mode_name(mode));
  read_value(section, "mode", text);
  const auto parsed = parse_mode(text);
  if (!parsed) throw config_error("config key 'security.mode': '" + text + "' is not one of off, tls, mtls");
  mode = *parsed;
  read_value(section, "ca_file", ca_file);
  read_value(section, "cert_file", cert_file);
  read_value(section, "key_file", key_file);
  read_value(section, "crl_file", crl_file);
}

void security_settings::emit(YAML::Emitter& out) const {
  out << YAML::Key << "mode" << YAML::Value << YAML::DoubleQuoted << std::string(mode_name(mode));
  out << YAML::Key << "ca_file" << YAML::Value << YAML::DoubleQuoted << ca_file;
  out << YAML::Key << "cert_file" << YAML::Value << YAML::DoubleQuoted << cert_file;
  out << YAML::Key << "key_file" << YAML::Value << YAML::DoubleQuoted << key_file;
  out << YAML::Key << "crl_file" << YAML::Value << YAML::DoubleQuoted << crl_file;
}

void security_settings::validate(std::string_view component) const {
  if (mode == security_mode::off) return;
  const auto need = [&](const std::string& value, const char* key) {
    if (value.empty())
      throw config_error(std::string(component) + ": security.mode " + std::string(mode_name(mode)) + " needs security." +
                         key);
  };
  need(ca_file, "ca_file");
  need(cert_file, "cert_file");
  need(key_file, "key_file");
}

}  // namespace df
