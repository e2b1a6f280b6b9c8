// Errors shown where they happen: the server's refusal under a form, and a form's closing row
// (submit, cancel, the last error) that every create/edit form shares.
import type { ReactNode } from "react";
import { ApiError } from "../api";

/** A server error shown inline, with the message the API gave (its 400s name the field). */
export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const text = error instanceof Error ? error.message : String(error);
  const code = error instanceof ApiError ? ` (${error.status} ${error.code})` : "";
  return (
    <p className="error" role="alert">
      {text}
      {code}
    </p>
  );
}

/** A form's last row: its submit button (absent when `allowed` is false), Cancel when given, the error. */
export function FormActions(props: { submit: ReactNode; onCancel?: () => void; error: unknown; allowed?: boolean; busy?: boolean }) {
  return (
    <>
      <div className="actions">
        {props.allowed !== false && (
          <button type="submit" disabled={props.busy}>
            {props.submit}
          </button>
        )}
        {props.onCancel && (
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
        )}
      </div>
      <ErrorBox error={props.error} />
    </>
  );
}
