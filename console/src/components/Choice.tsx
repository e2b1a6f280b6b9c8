// A labelled <select> over a list of values, "" shown as `any` (the filters of list pages).

/** A filter choice: `options` with "" meaning no filter. */
export function Choice(props: { label: string; value: string; options: string[]; onChange: (v: string) => void }) {
  return (
    <label>
      {props.label}{" "}
      <select value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        {props.options.map((o) => (
          <option key={o} value={o}>
            {o || "any"}
          </option>
        ))}
      </select>
    </label>
  );
}
