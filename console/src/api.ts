// The manager's JSON API as the console uses it: same-origin requests with the session cookie,
// the CSRF token on every write, errors as ApiError carrying the server's {code, message}.

/** An answer the manager refused: its status and the {code, message} of its body. */
export class ApiError extends Error {
  constructor(public status: number, public code: string, message: string) {
    super(message);
  }
}

/** One page of a list and the total over every page (X-Total-Count). */
export interface Page<T> {
  items: T[];
  total: number;
}

let csrfToken = "";

/** Remembers the session's CSRF token (from sign-in or /users/me) for the writes that follow. */
export function setCsrfToken(token: string): void {
  csrfToken = token;
}

/** Called with every 401 so that the app returns to the sign-in page. */
let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(f: () => void): void {
  onUnauthorized = f;
}

async function send(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && method !== "HEAD" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  const res = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.ok) return res;
  let code = "error";
  let message = `${res.status} ${res.statusText}`;
  try {
    const err = await res.json();
    if (typeof err.code === "string") code = err.code;
    if (typeof err.message === "string") message = err.message;
  } catch {
    /* not JSON: keep the status line */
  }
  if (res.status === 401 && !path.endsWith("/users/signin")) onUnauthorized();
  throw new ApiError(res.status, code, message);
}

/** A request whose answer is JSON (or nothing, for 204). */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await send(method, path, body);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A GET of one page of a list: `?page=&per_page=` plus `query`. */
export async function apiPage<T>(
  path: string,
  page: number,
  perPage: number,
  query: Record<string, string> = {},
): Promise<Page<T>> {
  const params = new URLSearchParams({ page: String(page), per_page: String(perPage) });
  for (const [k, v] of Object.entries(query)) if (v !== "") params.set(k, v);
  const res = await send("GET", `${path}?${params}`);
  const items = (await res.json()) as T[];
  const total = Number(res.headers.get("X-Total-Count") ?? items.length);
  return { items, total };
}

/** The query string of `query` without empty values (for links such as the CSV export). */
export function queryString(query: Record<string, string>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== "") params.set(k, v);
  const s = params.toString();
  return s ? `?${s}` : "";
}
