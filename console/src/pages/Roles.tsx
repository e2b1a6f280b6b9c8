// Roles: the built-in ones (read-only) and custom ones made from the permissions the API lists.
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
  const action = useAction(roles.reload);

  async function create(e: FormEvent) {
    e.preventDefault();
    if (await action.run(() => api("POST", "/api/v1/roles", { name, permissions: chosen }))) {
      setName("");
      setChosen([]);
    }
  }
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
              <td>
                <Guarded allowed={can} permission="user:write" disabled={r.builtin} onClick={() => remove(r)}>
                  Delete
                </Guarded>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="card" onSubmit={create} aria-label="new role">
        <h2>New role</h2>
        <Field label="Name">
          <input name="name" required value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <CheckList legend="Permissions" options={permissions.data ?? []} chosen={chosen} onChange={setChosen} />
        <Guarded allowed={can} permission="user:write" type="submit">
          Create role
        </Guarded>
      </form>
    </section>
  );
}
