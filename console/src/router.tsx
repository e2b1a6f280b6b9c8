// A tiny history router: the path is the page (dfmanager answers index.html for every app route).
import { useEffect, useState, type AnchorHTMLAttributes } from "react";

const listeners = new Set<() => void>();

/** Goes to `to` without reloading (pushState) and re-renders every usePath(). */
export function navigate(to: string): void {
  if (to !== location.pathname + location.search) history.pushState(null, "", to);
  listeners.forEach((f) => f());
}

window.addEventListener("popstate", () => listeners.forEach((f) => f()));

/** The current path (without query), re-rendered on navigation. */
export function usePath(): string {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const f = () => setPath(location.pathname);
    listeners.add(f);
    return () => void listeners.delete(f);
  }, []);
  return path;
}

/** An <a> that navigates in the app (a plain link for new tabs and modified clicks). */
export function Link(props: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  return (
    <a
      {...props}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(props.href);
      }}
    />
  );
}
