// The signed-in user's account: who they are, what they may do, and a password change.
import { useState, type FormEvent } from "react";
import { api } from "../api";
import { useSession } from "../session";
import { ErrorBox, Field } from "../ui";

export function Account() {
  const { me } = useSession();
  const [oldPassword, setOld] = useState("");
  const [newPassword, setNew] = useState("");
  const [repeat, setRepeat] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setDone(false);
    if (newPassword !== repeat) return setError("the new passwords differ");
    if (newPassword.length < 12) return setError("the new password needs at least 12 characters");
    try {
      await api("POST", "/api/v1/users/me/password", { old_password: oldPassword, new_password: newPassword });
      setOld("");
      setNew("");
      setRepeat("");
      setDone(true);
    } catch (err) {
      setError(err);
    }
  }

  return (
    <section>
      <h1>Account</h1>
      <dl className="facts">
        <dt>Name</dt>
        <dd>{me.name}</dd>
        <dt>Roles</dt>
        <dd>{me.roles.join(", ")}</dd>
        <dt>Permissions</dt>
        <dd>{me.permissions.join(", ")}</dd>
      </dl>
      <form className="card" onSubmit={submit} aria-label="change password">
        <h2>Change password</h2>
        <Field label="Current password">
          <input type="password" autoComplete="current-password" value={oldPassword} onChange={(e) => setOld(e.target.value)} />
        </Field>
        <Field label="New password" hint="at least 12 characters; your other sessions end">
          <input type="password" autoComplete="new-password" value={newPassword} onChange={(e) => setNew(e.target.value)} />
        </Field>
        <Field label="New password again">
          <input type="password" autoComplete="new-password" value={repeat} onChange={(e) => setRepeat(e.target.value)} />
        </Field>
        <button type="submit">Change password</button>
        {done && <p role="status">Password changed.</p>}
        <ErrorBox error={error} />
      </form>
    </section>
  );
}
