#pragma once
// Identities: task IDs (the same on every host for the same content request), peer and host IDs.

#include <string>
#include <string_view>
#include <vector>

namespace df {

/// What besides the URL identifies a task: optional tag, application and extra filtered query params.
struct task_id_inputs {
  std::string url;
  std::string tag;
  std::string application;
  std::vector<std::string> filters;  // query parameter names left out of the ID, besides the defaults
};

/// sha256 hex over the filtered URL, the tag and the application.
std::string compute_task_id(const task_id_inputs& in);

/// The task ID of content addressed by its digest ("sha256:<hex>"): the same for every registry,
/// repository and URL that serves it, so a layer shared by many images travels once.
std::string content_task_id(std::string_view digest);

/// The digest ("sha256:<hex>") a registry blob URL names — http(s)://host/v2/<repository>/blobs/
/// sha256:<64 hex>, without a query — else "".
std::string registry_blob_digest(std::string_view url);

/// The task ID a manager job gives a URL: a registry blob's content task ID, the one the registry
/// mirror uses for it (so a preheated layer is the one containerd's pull finds), when the URL is
/// one and no tag, application or filter sets it apart; compute_task_id otherwise.
std::string job_task_id(const task_id_inputs& in);

/// True when `id` looks like a task ID (64 lower-case hex): guards paths built from IDs.
bool is_valid_task_id(std::string_view id);

/// A new random peer ID: "<hostname>-<pid>-<random hex>", unique per task attempt.
std::string new_peer_id(std::string_view hostname);

/// A stable host ID from hostname and upload port (several daemons may share a machine in tests).
std::string make_host_id(std::string_view hostname, unsigned upload_port);

}  // namespace df
