// Users: list (paged, by name), create with roles and clusters, enable/disable, reset a password,
// delete. Needs user:read to list and user:write to change.
import { useState, type FormEvent } from "react";
import { api, apiPage } from "../api";
import { useCan } from "../session";
import type { Role, User } from "../types";
import { CheckList, ErrorBox, Field, formatTime, Guarded, Head, Pager, splitList, useAction, useLoad } from "../ui";

const perPage = 20;

function UserForm({ onDone }: { onDone: () => void }) {
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [roles, setRoles] = useState<string[]>([]);
  const [clusters, setClusters] = useState("");
  const [error, setError] = useState<unknown>(null);
  const allRoles = useLoad(() => api<Role[]>("GET", "/api/v1/roles"), []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      await api("POST", "/api/v1/users", {
        name,
        email,
        password,
        roles,
        scheduler_cluster_ids: splitList(clusters).map(Number),
      });
      onDone();
    } catch (err) {
      setError(err);
    }
  }

  return (
    <form className="card" onSubmit={submit} aria-label="new user">
      <h2>New user</h2>
      <div className="grid">
        <Field label="Name">
          <input name="name" required maxLength={64} value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field label="Email">
          <input name="email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} />
        </Field>
        <Field label="Password" hint="at least 12 characters">
          <input name="password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />
        </Field>
        <Field label="Cluster IDs" hint="for cluster-admin: comma-separated">
          <input name="scheduler_cluster_ids" value={clusters} onChange={(e) => setClusters(e.target.value)} />
        </Field>
      </div>
      <CheckList legend="Roles" options={allRoles.data?.map((r) => r.name) ?? []} chosen={roles} onChange={setRoles} />
      <button type="submit">Create user</button>{" "}
      <button type="button" onClick={onDone}>
        Cancel
      </button>
      <ErrorBox error={error ?? allRoles.error} />
    </form>
  );
}

export function Users() {
  const [page, setPage] = useState(1);
  const [name, setName] = useState("");
  const [creating, setCreating] = useState(false);
  const can = useCan("user:write");
  const list = useLoad(() => apiPage<User>("/api/v1/users", page, perPage, { name }), [page, name]);

  const action = useAction(list.reload);
  const act = action.run;
  const resetPassword = (u: User) => {
    const p = prompt(`New password for ${u.name} (at least 12 characters)`);
    if (p) act(() => api("POST", `/api/v1/users/${u.id}/reset_password`, { new_password: p }));
  };

  return (
    <section>
      <h1>Users</h1>
      <div className="filters">
        <Guarded allowed={can} permission="user:write" onClick={() => setCreating(true)}>
          New user
        </Guarded>
        <label>
          Name <input type="search" value={name} onChange={(e) => { setName(e.target.value); setPage(1); }} />
        </label>
      </div>
      {creating && <UserForm onDone={() => { setCreating(false); list.reload(); }} />}
      <ErrorBox error={list.error ?? action.error} />
      <table>
        <Head cols={["ID", "Name", "Email", "Roles", "Clusters", "State", "Last sign-in", ""]} />
        <tbody>
          {list.data?.items.map((u) => (
            <tr key={u.id}>
              <td>{u.id}</td>
              <td>{u.name}</td>
              <td>{u.email}</td>
              <td>{u.roles.join(", ")}</td>
              <td>{u.scheduler_cluster_ids.join(", ") || "—"}</td>
              <td>{u.state}</td>
              <td>{formatTime(u.last_signin_at)}</td>
              <td className="actions">
                <Guarded allowed={can} permission="user:write" onClick={() => act(() => api("PATCH", `/api/v1/users/${u.id}`, { state: u.state === "enabled" ? "disabled" : "enabled" }))}>
                  {u.state === "enabled" ? "Disable" : "Enable"}
                </Guarded>
                <Guarded allowed={can} permission="user:write" onClick={() => resetPassword(u)}>
                  Reset password
                </Guarded>
                <Guarded allowed={can} permission="user:write" onClick={() => confirm(`Delete user ${u.name}?`) && act(() => api("DELETE", `/api/v1/users/${u.id}`))}>
                  Delete
                </Guarded>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.data && <Pager page={page} perPage={perPage} total={list.data.total} onPage={setPage} />}
    </section>
  );
}
