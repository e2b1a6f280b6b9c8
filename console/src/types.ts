// The manager's resources as the API answers them (docs/manager.md, docs/preheat.md, docs/console.md).

export interface User {
  id: number;
  name: string;
  email: string;
  state: "enabled" | "disabled";
  roles: string[];
  scheduler_cluster_ids: number[];
  created_at: number | string;
  updated_at: number | string;
  last_signin_at: number | string;
}

/** GET /api/v1/users/me: the user, what they may do, and the session's CSRF token. */
export interface Me extends User {
  permissions: string[];
  csrf_token: string;
}

export interface Role {
  name: string;
  builtin: boolean;
  permissions: string[];
}

export interface Scopes {
  idc: string;
  location: string;
  cidrs: string[];
  hostnames: string[];
}

export interface ClusterConfig {
  candidate_parent_limit: number;
  filter_parent_limit: number;
  peer_upload_rate_limit: number;
  peer_download_rate_limit: number;
  blocklist: { applications: string[]; urls: string[]; tags: string[] };
}

export interface Cluster {
  id: number;
  name: string;
  bio: string;
  scopes: Scopes;
  config: ClusterConfig;
  is_default: boolean;
  seed_peer_cluster_id: number;
  created_at: number;
  updated_at: number;
}

export interface Scheduler {
  id: number;
  hostname: string;
  ip: string;
  port: number;
  idc: string;
  location: string;
  scheduler_cluster_id: number;
  last_keepalive_at: number;
  state: string;
}

export interface SeedPeer {
  id: number;
  hostname: string;
  ip: string;
  port: number;
  download_port: number;
  type: string;
  idc: string;
  location: string;
  seed_peer_cluster_id: number;
  last_keepalive_at: number;
  state: string;
}

export interface Host {
  id: number;
  hostname: string;
  ip: string;
  idc: string;
  location: string;
  version: string;
  cache_bytes: number;
  upload_rate_limit: number;
  scheduler_cluster_id: number;
  last_seen_at: number;
}

export interface SuccessTask {
  url: string;
  hostname: string;
  ip: string;
  bytes: number;
  duration_ms: number;
  source: string;
}

export interface FailureTask {
  url: string;
  hostname: string;
  ip: string;
  description: string;
}

export interface Job {
  id: number;
  type: string;
  state: string;
  phase: string;
  bio: string;
  args: Record<string, unknown>;
  scheduler_cluster_ids: number[];
  cron: string;
  reason: string;
  result?: {
    job_states?: {
      state: string;
      error: string;
      results?: {
        scheduler_cluster_id: number;
        error: string;
        success_tasks?: SuccessTask[];
        failure_tasks?: FailureTask[];
      }[];
    }[];
  };
  created_at: string;
  updated_at: string;
  finished_at?: string;
}

export interface AccessToken {
  id: number;
  name: string;
  bio: string;
  scopes: string[];
  state: string;
  expired_at: string;
  created_at: string | number;
  token?: string;
}

export interface AuditEntry {
  id: number;
  time: number;
  actor_type: string;
  actor: string;
  ip: string;
  method: string;
  path: string;
  status: number;
  resource: string;
  resource_id: string | number;
}
