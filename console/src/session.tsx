// Who is signed in (GET /api/v1/users/me) and what they may do; the server decides, the console
// only leaves out the controls that would be refused.
import { createContext, useContext } from "react";
import type { Me } from "./types";

/** The signed-in user and a way to reload them (after a password change, a role change). */
export interface Session {
  me: Me;
  reload: () => Promise<void>;
  signOut: () => Promise<void>;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error("useSession outside a signed-in page");
  return s;
}

/** Whether the signed-in user holds `permission` (e.g. "cluster:write"). */
export function useCan(permission: string): boolean {
  return useSession().me.permissions.includes(permission);
}

