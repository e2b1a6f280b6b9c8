// The sign-in form: POST /api/v1/users/signin sets the session cookie.
import { useState, type FormEvent } from "react";
import { api, setCsrfToken } from "../api";
import { ErrorBox, Field } from "../ui";

export function SignIn({ onSignedIn }: { onSignedIn: () => Promise<void> }) {
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await api<{ csrf_token: string }>("POST", "/api/v1/users/signin", { name, password });
      setCsrfToken(r.csrf_token);
      await onSignedIn();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

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
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        <ErrorBox error={error} />
      </form>
    </main>
  );
}
