// Small shared pieces: error banner, pager, time and size formatting, a loading hook.
import { cloneElement, useCallback, useEffect, useId, useState, type ReactElement, type ReactNode } from "react";
import { ApiError } from "./api";

/** A server error shown inline, with the message the API gave (its 400s name the field). */
export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const text = error instanceof ApiError ? `${error.message}` : String(error);
  const code = error instanceof ApiError ? ` (${error.status} ${error.code})` : "";
  return (
    <p className="error" role="alert">
      {text}
      {code}
    </p>
  );
}

/** Page controls for a server-side paged list. */
export function Pager(props: { page: number; perPage: number; total: number; onPage: (p: number) => void }) {
  const pages = Math.max(1, Math.ceil(props.total / props.perPage));
  return (
    <nav className="pager" aria-label="pages">
      <button disabled={props.page <= 1} onClick={() => props.onPage(props.page - 1)}>
        Previous
      </button>
      <span>
        page {props.page} of {pages} ({props.total} in all)
      </span>
      <button disabled={props.page >= pages} onClick={() => props.onPage(props.page + 1)}>
        Next
      </button>
    </nav>
  );
}

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

export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}

/** A labelled form field: the label names the control, the hint describes it (aria-describedby). */
export function Field(props: { label: string; children: ReactElement; hint?: string }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      {cloneElement(props.children, { id, "aria-describedby": props.hint ? `${id}-hint` : undefined })}
      {props.hint && <small id={`${id}-hint`}>{props.hint}</small>}
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

/** A table's head row from its column titles ("" for an unnamed column). */
export function Head({ cols }: { cols: string[] }) {
  return (
    <thead>
      <tr>
        {cols.map((c, i) => (
          <th key={i}>{c}</th>
        ))}
      </tr>
    </thead>
  );
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

/** Runs API calls for a page: the last one's error, and `after` (e.g. a reload) on success. */
export function useAction(after: () => void) {
  const [error, setError] = useState<unknown>(null);
  const run = async (f: () => Promise<unknown>): Promise<boolean> => {
    setError(null);
    try {
      await f();
      after();
      return true;
    } catch (e) {
      setError(e);
      return false;
    }
  };
  return { run, error, setError };
}

/** A button the signed-in user may lack the permission for: disabled, saying which. */
export function Guarded(props: { allowed: boolean; permission: string; disabled?: boolean; onClick?: () => void; type?: "submit"; children: ReactNode }) {
  return (
    <button
      type={props.type ?? "button"}
      disabled={!props.allowed || props.disabled}
      title={props.allowed ? undefined : `needs the ${props.permission} permission`}
      onClick={props.onClick}
    >
      {props.children}
    </button>
  );
}
