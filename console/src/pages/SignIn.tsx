// The sign-in form: POST /api/v1/users/signin sets the session cookie.
import { useState } from "react";
import { api, setCsrfToken } from "../api";
import { Field, FormActions, useAction } from "../ui";

export function SignIn({ onSignedIn }: { onSignedIn: () => Promise<void> }) {
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const action = useAction();
  const submit = action.submit(async () => {
    const r = await api<{ csrf_token: string }>("POST", "/api/v1/users/signin", { name, password });
    setCsrfToken(r.csrf_token);
    await onSignedIn();
  });

  return (
    <main className="signin">
      <h1>Dragonfly console</h1>
      <form onSubmit={submit} aria-label="sign in">
        <Field label="User name">
          <input name="name" autoComplete="username" required value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field label="Password">
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </Field>
        <FormActions submit="Sign in" error={action.error} busy={action.busy} />
      </form>
    </main>
  );
}
