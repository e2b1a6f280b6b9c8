// Users: list (paged, by name), create or edit with roles and clusters, enable/disable, reset a
// password, delete. Needs user:read to list and user:write to change.
import { useState } from "react";
import { api, apiPage } from "../api";
import { useCan } from "../session";
import type { Role, User } from "../types";
import { CheckList, DataTable, ErrorBox, Field, FormActions, formatTime, Guarded, splitList, useAction, useLoad } from "../ui";

const perPage = 20;

// Creates a user, or edits one (`user`: email, roles, clusters; the name is fixed and the
// password is changed by a reset).
function UserForm({ user, onDone }: { user?: User; onDone: () => void }) {
  const [name, setName] = useState(user?.name ?? "");
  const [email, setEmail] = useState(user?.email ?? "");
  const [password, setPassword] = useState("");
  const [roles, setRoles] = useState<string[]>(user?.roles ?? []);
  const [clusters, setClusters] = useState(user?.scheduler_cluster_ids.join(", ") ?? "");
  const allRoles = useLoad(() => api<Role[]>("GET", "/api/v1/roles"), []);
  const action = useAction(onDone);

  const submit = action.submit(() => {
    const common = { email, roles, scheduler_cluster_ids: splitList(clusters).map(Number) };
    return user ? api("PATCH", `/api/v1/users/${user.id}`, common) : api("POST", "/api/v1/users", { name, password, ...common });
  });

  return (
    <form className="card" onSubmit={submit} aria-label={user ? `edit user ${user.name}` : "new user"}>
      <h2>{user ? `Edit ${user.name}` : "New user"}</h2>
      <div className="grid">
        <Field label="Name">
          <input name="name" required maxLength={64} disabled={!!user} value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field label="Email">
          <input name="email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} />
        </Field>
        {!user && (
          <Field label="Password" hint="at least 12 characters">
            <input name="password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />
          </Field>
        )}
        <Field label="Cluster IDs" hint="for cluster-admin: comma-separated">
          <input name="scheduler_cluster_ids" value={clusters} onChange={(e) => setClusters(e.target.value)} />
        </Field>
      </div>
      <CheckList legend="Roles" options={allRoles.data?.map((r) => r.name) ?? []} chosen={roles} onChange={setRoles} />
      <FormActions submit={user ? "Save" : "Create user"} onCancel={onDone} error={action.error ?? allRoles.error} busy={action.busy} />
    </form>
  );
}

export function Users() {
  const [page, setPage] = useState(1);
  const [name, setName] = useState("");
  const [editing, setEditing] = useState<User | "new" | null>(null);
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
        <Guarded permission="user:write" onClick={() => setEditing("new")}>
          New user
        </Guarded>
        <label>
          Name <input type="search" value={name} onChange={(e) => { setName(e.target.value); setPage(1); }} />
        </label>
      </div>
      {editing && (
        <UserForm
          key={editing === "new" ? "new" : editing.id}
          user={editing === "new" ? undefined : editing}
          onDone={() => {
            setEditing(null);
            list.reload();
          }}
        />
      )}
      <ErrorBox error={list.error ?? action.error} />
      <DataTable
        cols={["ID", "Name", "Email", "Roles", "Clusters", "State", "Last sign-in"]}
        rows={list.data?.items}
        rowKey={(u) => u.id}
        paging={{ page, perPage, total: list.data?.total, onPage: setPage }}
        cells={(u) => (
          <>
            <td>{u.id}</td>
            <td>{u.name}</td>
            <td>{u.email}</td>
            <td>{u.roles.join(", ")}</td>
            <td>{u.scheduler_cluster_ids.join(", ") || "—"}</td>
            <td>{u.state}</td>
            <td>{formatTime(u.last_signin_at)}</td>
          </>
        )}
        actions={
          can
            ? (u) => (
                <>
                  <button onClick={() => act(() => api("PATCH", `/api/v1/users/${u.id}`, { state: u.state === "enabled" ? "disabled" : "enabled" }))}>
                    {u.state === "enabled" ? "Disable" : "Enable"}
                  </button>
                  <button onClick={() => setEditing(u)}>Edit</button>
                  <button onClick={() => resetPassword(u)}>Reset password</button>
                  <button onClick={() => confirm(`Delete user ${u.name}?`) && act(() => api("DELETE", `/api/v1/users/${u.id}`))}>Delete</button>
                </>
              )
            : undefined
        }
      />
    </section>
  );
}
