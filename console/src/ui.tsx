// Small shared pieces: labelled fields, permission-guarded buttons, time and size formatting,
// loading and action hooks. Tables, pagers and form errors are in components/.
import { cloneElement, useCallback, useEffect, useId, useState, type FormEvent, type ReactElement, type ReactNode } from "react";
import { useCan } from "./session";

export { ErrorBox, FormActions } from "./components/FormError";
export { DataTable, Head } from "./components/DataTable";
export { Pager } from "./components/Pager";
export { Choice } from "./components/Choice";

/** Loads something and reloads it on demand (and every `pollMs` when given). */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[], pollMs = 0) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const reload = useCallback(() => {
    load().then(
      (d) => {
        setData(d);
        setError(null);
      },
      (e) => setError(e),
    );
  }, deps);
  useEffect(() => {
    reload();
    if (!pollMs) return;
    const t = setInterval(reload, pollMs);
    return () => clearInterval(t);
  }, [reload, pollMs]);
  return { data, error, reload };
}

/** A time the API gives as ms since the epoch or an RFC 3339 string. */
export function formatTime(t: number | string | undefined): string {
  if (t === undefined || t === "" || t === 0) return "—";
  const d = typeof t === "number" ? new Date(t) : new Date(t);
  return Number.isNaN(d.getTime()) ? String(t) : d.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}

/** A byte count in binary units (KiB, MiB, …). */
export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}

/** A labelled form field: the label names the control, the hint describes it, and an inline
 *  validation message (`error`) marks it invalid and is read with it (aria-describedby). */
export function Field(props: { label: string; children: ReactElement; hint?: string; error?: string }) {
  const id = useId();
  const described = [props.hint && `${id}-hint`, props.error && `${id}-error`].filter(Boolean).join(" ");
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      {cloneElement(props.children, {
        id,
        "aria-describedby": described || undefined,
        "aria-invalid": props.error ? true : undefined,
      })}
      {props.hint && <small id={`${id}-hint`}>{props.hint}</small>}
      {props.error && (
        <small id={`${id}-error`} className="invalid">
          {props.error}
        </small>
      )}
    </div>
  );
}

/** Comma- or newline-separated text as a list of non-empty trimmed strings. */
export function splitList(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** Checkboxes choosing a subset of `options`. */
export function CheckList(props: { legend: string; options: string[]; chosen: string[]; onChange: (c: string[]) => void }) {
  const toggle = (o: string) =>
    props.onChange(props.chosen.includes(o) ? props.chosen.filter((x) => x !== o) : [...props.chosen, o]);
  return (
    <fieldset>
      <legend>{props.legend}</legend>
      {props.options.map((o) => (
        <label className="check" key={o}>
          <input type="checkbox" name={o} checked={props.chosen.includes(o)} onChange={() => toggle(o)} /> {o}
        </label>
      ))}
    </fieldset>
  );
}

/** Runs API calls for a page or form: the last one's error, and `after` (e.g. a reload) on
 *  success; `submit(f)` is a form's onSubmit running `f`. */
export function useAction(after: () => void = () => {}) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const run = async (f: () => Promise<unknown>): Promise<boolean> => {
    setError(null);
    setBusy(true);
    try {
      await f();
      after();
      return true;
    } catch (e) {
      setError(e);
      return false;
    } finally {
      setBusy(false);
    }
  };
  const submit = (f: () => Promise<unknown>) => (e: FormEvent) => {
    e.preventDefault();
    void run(f);
  };
  return { run, submit, error, setError, busy };
}

/** A button needing `permission`: absent for a user who lacks it (the server refuses anyway). */
export function Guarded(props: { permission: string; disabled?: boolean; onClick?: () => void; type?: "submit"; children: ReactNode }) {
  if (!useCan(props.permission)) return null;
  return (
    <button type={props.type ?? "button"} disabled={props.disabled} onClick={props.onClick}>
      {props.children}
    </button>
  );
}

/** Shows `children` (a form, a toolbar) only to a user holding `permission`. */
export function Allowed(props: { permission: string; children: ReactNode }) {
  return useCan(props.permission) ? <>{props.children}</> : null;
}
