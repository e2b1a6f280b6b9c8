// The console's one table: column titles, one row per item, an optional actions column (absent
// when the page passes no actions, e.g. for a user who may not change anything) and the pager
// of a server-side paged list.
import type { ReactNode } from "react";
import { Pager } from "./Pager";

/** Paging of a server-side list: the pager shows once the total is known. */
export interface Paging {
  page: number;
  perPage: number;
  total: number | undefined;
  onPage: (p: number) => void;
}

/** A table's head row from its column titles ("" for the actions column, named for screen readers). */
export function Head({ cols }: { cols: string[] }) {
  return (
    <thead>
      <tr>
        {cols.map((c, i) => (
          <th key={i} scope="col">{c || <span className="sr-only">Actions</span>}</th>
        ))}
      </tr>
    </thead>
  );
}

/** A table of `rows`: `cells` gives each row's cells, `actions` (when given) its buttons. */
export function DataTable<T>(props: {
  label?: string;
  cols: string[];
  rows: T[] | undefined;
  rowKey: (r: T) => string | number;
  cells: (r: T) => ReactNode;
  actions?: (r: T) => ReactNode;
  paging?: Paging;
  empty?: string;
}) {
  const cols = props.actions ? [...props.cols, ""] : props.cols;
  const p = props.paging;
  return (
    <>
      <table aria-label={props.label}>
        <Head cols={cols} />
        <tbody>
          {props.rows?.map((r) => (
            <tr key={props.rowKey(r)}>
              {props.cells(r)}
              {props.actions && <td className="actions">{props.actions(r)}</td>}
            </tr>
          ))}
          {props.rows?.length === 0 && (
            <tr>
              <td colSpan={cols.length} className="muted">
                {props.empty ?? "Nothing to show."}
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {p && p.total !== undefined && <Pager page={p.page} perPage={p.perPage} total={p.total} onPage={p.onPage} />}
    </>
  );
}
