// Personal access tokens for the Open API: create (the token is shown once), list, revoke.
import { useState } from "react";
import { api, apiPage } from "../api";
import { useCan } from "../session";
import type { AccessToken } from "../types";
import { CheckList, DataTable, ErrorBox, Field, FormActions, formatTime, useAction, useLoad } from "../ui";

export function Tokens() {
  const can = useCan("token:write");
  const list = useLoad(() => apiPage<AccessToken>("/api/v1/personal-access-tokens", 1, 100), []);
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<string[]>(["job"]);
  const [days, setDays] = useState("90");
  const [created, setCreated] = useState<AccessToken | null>(null);
  const action = useAction(list.reload);
  const create = action.submit(async () => {
    const expired = new Date(Date.now() + Number(days) * 86400000).toISOString().replace(/\.\d+Z$/, "Z");
    setCreated(await api<AccessToken>("POST", "/api/v1/personal-access-tokens", { name, scopes, expired_at: expired }));
    setName("");
  });
  const revoke = (t: AccessToken) =>
    action.run(() => api("PATCH", `/api/v1/personal-access-tokens/${t.id}`, { state: "inactive" }));

  return (
    <section>
      <h1>Personal access tokens</h1>
      {created?.token && (
        <div className="card notice" role="status">
          Token <b>{created.name}</b>: <code data-testid="new-token">{created.token}</code>
          <p>Copy it now: it is never shown again.</p>
          <button onClick={() => setCreated(null)}>Done</button>
        </div>
      )}
      {can && (
        <form className="card" onSubmit={create} aria-label="new token">
          <h2>New token</h2>
          <div className="grid">
            <Field label="Name">
              <input name="name" required value={name} onChange={(e) => setName(e.target.value)} />
            </Field>
            <Field label="Valid for (days)">
              <input name="days" inputMode="numeric" value={days} onChange={(e) => setDays(e.target.value)} />
            </Field>
          </div>
          <CheckList legend="Scopes" options={["job", "cluster"]} chosen={scopes} onChange={setScopes} />
          <FormActions submit="Create token" error={null} busy={action.busy} />
        </form>
      )}
      <ErrorBox error={list.error ?? action.error} />
      <DataTable
        cols={["ID", "Name", "Scopes", "State", "Expires"]}
        rows={list.data?.items}
        rowKey={(t) => t.id}
        cells={(t) => (
          <>
            <td>{t.id}</td>
            <td>{t.name}</td>
            <td>{t.scopes.join(", ")}</td>
            <td>{t.state}</td>
            <td>{formatTime(t.expired_at)}</td>
          </>
        )}
        actions={
          can
            ? (t) => (
                <button disabled={t.state !== "active"} onClick={() => revoke(t)}>
                  Revoke
                </button>
              )
            : undefined
        }
      />
    </section>
  );
}
