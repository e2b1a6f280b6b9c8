// Page controls for a server-side paged list (page / per_page, X-Total-Count).

/** Previous / next and where we are. */
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
