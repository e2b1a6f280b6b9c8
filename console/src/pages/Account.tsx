// The signed-in user's account: who they are, what they may do, and a password change.
import { useState } from "react";
import { api } from "../api";
import { useSession } from "../session";
import { Field, FormActions, useAction } from "../ui";

export function Account() {
  const { me } = useSession();
  const [oldPassword, setOld] = useState("");
  const [newPassword, setNew] = useState("");
  const [repeat, setRepeat] = useState("");
  const [done, setDone] = useState(false);
  const action = useAction(() => setDone(true));
  const tooShort = newPassword !== "" && newPassword.length < 12;
  const differ = repeat !== "" && newPassword !== repeat;

  const submit = action.submit(async () => {
    setDone(false);
    if (newPassword !== repeat) throw new Error("the new passwords differ");
    if (newPassword.length < 12) throw new Error("the new password needs at least 12 characters");
    await api("POST", "/api/v1/users/me/password", { old_password: oldPassword, new_password: newPassword });
    setOld("");
    setNew("");
    setRepeat("");
  });

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
        <Field label="New password" hint="at least 12 characters; your other sessions end" error={tooShort ? "too short: at least 12 characters" : undefined}>
          <input type="password" autoComplete="new-password" value={newPassword} onChange={(e) => setNew(e.target.value)} />
        </Field>
        <Field label="New password again" error={differ ? "differs from the new password" : undefined}>
          <input type="password" autoComplete="new-password" value={repeat} onChange={(e) => setRepeat(e.target.value)} />
        </Field>
        <FormActions submit="Change password" error={action.error} busy={action.busy} />
        {done && <p role="status">Password changed.</p>}
      </form>
    </section>
  );
}
