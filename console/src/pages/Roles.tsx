// Roles: the built-in ones (read-only) and custom ones made and edited from the permissions the
// API lists.
import { useState, type FormEvent } from "react";
import { api } from "../api";
import { useCan } from "../session";
import type { Role } from "../types";
import { CheckList, ErrorBox, Field, Guarded, Head, useAction, useLoad } from "../ui";

export function Roles() {
  const can = useCan("user:write");
  const roles = useLoad(() => api<Role[]>("GET", "/api/v1/roles"), []);
  const permissions = useLoad(() => api<string[]>("GET", "/api/v1/permissions"), []);
  const [name, setName] = useState("");
  const [chosen, setChosen] = useState<string[]>([]);
  const [editing, setEditing] = useState(false);  // the form edits role `name` rather than making one
  const action = useAction(roles.reload);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const sent = editing
      ? () => api("PATCH", `/api/v1/roles/${encodeURIComponent(name)}`, { permissions: chosen })
      : () => api("POST", "/api/v1/roles", { name, permissions: chosen });
    if (await action.run(sent)) edit(null);
  }
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
      <table>
        <Head cols={["Name", "Permissions", ""]} />
        <tbody>
          {roles.data?.map((r) => (
            <tr key={r.name}>
              <td>
                {r.name} {r.builtin && <small className="muted">(built-in)</small>}
              </td>
              <td>{r.permissions.join(", ")}</td>
              <td className="actions">
                <Guarded allowed={can} permission="user:write" disabled={r.builtin} onClick={() => edit(r)}>
                  Edit
                </Guarded>
                <Guarded allowed={can} permission="user:write" disabled={r.builtin} onClick={() => remove(r)}>
                  Delete
                </Guarded>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="card" onSubmit={submit} aria-label={editing ? `edit role ${name}` : "new role"}>
        <h2>{editing ? `Edit ${name}` : "New role"}</h2>
        <Field label="Name">
          <input name="name" required disabled={editing} value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <CheckList legend="Permissions" options={permissions.data ?? []} chosen={chosen} onChange={setChosen} />
        <Guarded allowed={can} permission="user:write" type="submit">
          {editing ? "Save" : "Create role"}
        </Guarded>{" "}
        {editing && (
          <button type="button" onClick={() => edit(null)}>
            Cancel
          </button>
        )}
      </form>
    </section>
  );
}
