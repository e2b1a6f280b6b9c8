// Roles: the built-in ones (read-only) and custom ones made and edited from the permissions the
// API lists.
import { useState } from "react";
import { api } from "../api";
import { useCan } from "../session";
import type { Role } from "../types";
import { CheckList, DataTable, ErrorBox, Field, FormActions, useAction, useLoad } from "../ui";

export function Roles() {
  const can = useCan("user:write");
  const roles = useLoad(() => api<Role[]>("GET", "/api/v1/roles"), []);
  const permissions = useLoad(() => api<string[]>("GET", "/api/v1/permissions"), []);
  const [name, setName] = useState("");
  const [chosen, setChosen] = useState<string[]>([]);
  const [editing, setEditing] = useState(false);  // the form edits role `name` rather than making one
  const action = useAction(roles.reload);
  const submit = action.submit(async () => {
    if (editing) await api("PATCH", `/api/v1/roles/${encodeURIComponent(name)}`, { permissions: chosen });
    else await api("POST", "/api/v1/roles", { name, permissions: chosen });
    edit(null);
  });
  const edit = (r: Role | null) => {
    setEditing(r !== null);
    setName(r?.name ?? "");
    setChosen(r?.permissions ?? []);
  };
  const remove = (r: Role) =>
    confirm(`Delete role ${r.name}?`) && action.run(() => api("DELETE", `/api/v1/roles/${encodeURIComponent(r.name)}`));

  return (
    <section>
      <h1>Roles</h1>
      <ErrorBox error={roles.error ?? permissions.error ?? action.error} />
      <DataTable
        cols={["Name", "Permissions"]}
        rows={roles.data}
        rowKey={(r) => r.name}
        cells={(r) => (
          <>
            <td>
              {r.name} {r.builtin && <small className="muted">(built-in)</small>}
            </td>
            <td>{r.permissions.join(", ")}</td>
          </>
        )}
        actions={
          can
            ? (r) => (
                <>
                  <button disabled={r.builtin} onClick={() => edit(r)}>
                    Edit
                  </button>
                  <button disabled={r.builtin} onClick={() => remove(r)}>
                    Delete
                  </button>
                </>
              )
            : undefined
        }
      />
      {can && (
        <form className="card" onSubmit={submit} aria-label={editing ? `edit role ${name}` : "new role"}>
          <h2>{editing ? `Edit ${name}` : "New role"}</h2>
          <Field label="Name">
            <input name="name" required disabled={editing} value={name} onChange={(e) => setName(e.target.value)} />
          </Field>
          <CheckList legend="Permissions" options={permissions.data ?? []} chosen={chosen} onChange={setChosen} />
          <FormActions submit={editing ? "Save" : "Create role"} onCancel={editing ? () => edit(null) : undefined} error={null} busy={action.busy} />
        </form>
      )}
    </section>
  );
}
