// A small bar-and-line chart drawn as SVG (no chart library: four simple charts do not need one),
// with its caption, a legend and the numbers as a table in a <details> for screen readers and
// anyone who wants them exact. Bars stack on the left axis; lines use the left or right axis.

/** One drawn series: bars (stacked) or a line, on the left axis or the right (a percentage). */
export interface Layer {
  name: string;
  values: (number | null)[];
  kind: "bar" | "line";
  axis?: "left" | "right";
  tone: number;  // colour: the .tone<N> CSS class
}

const W = 720;
const H = 220;
const M = { left: 64, right: 48, top: 12, bottom: 28 };
const plotW = W - M.left - M.right;
const plotH = H - M.top - M.bottom;

// A round number at least `v` (1, 2 or 5 times a power of ten), 1 for nothing; `binary`: of a
// power of 1024 (bytes: 50 MiB rather than 47.7 MiB).
function niceCeil(v: number, binary = false): number {
  if (!(v > 0)) return 1;
  if (binary) {
    const unit = 1024 ** Math.max(0, Math.floor(Math.log(v) / Math.log(1024)));
    return unit * niceCeil(v / unit);
  }
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 5, 10].map((k) => k * p).find((x) => x >= v) ?? 10 * p;
}

// The path of a line through the non-null points, broken where a value is missing.
function linePath(values: (number | null)[], x: (i: number) => number, y: (v: number) => number): string {
  let d = "";
  let pen = false;
  values.forEach((v, i) => {
    if (v === null) return void (pen = false);
    d += `${pen ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
    pen = true;
  });
  return d;
}

/** A captioned chart of `layers` over `labels`; `format` writes left-axis values, `formatRight` right
 *  ones; `binary` rounds the left axis to powers of 1024 (bytes). */
export function Chart(props: {
  id: string;
  caption: string;
  labels: string[];
  layers: Layer[];
  format: (v: number) => string;
  formatRight?: (v: number) => string;
  binary?: boolean;
}) {
  const { labels, layers } = props;
  const n = Math.max(labels.length, 1);
  const bars = layers.filter((l) => l.kind === "bar");
  const stacks = labels.map((_, i) => bars.reduce((sum, l) => sum + (l.values[i] ?? 0), 0));
  const leftLines = layers.filter((l) => l.kind === "line" && l.axis !== "right").flatMap((l) => l.values);
  const leftMax = niceCeil(Math.max(0, ...stacks, ...leftLines.map((v) => v ?? 0)), props.binary);
  const rightMax = 100;
  const slot = plotW / n;
  const x = (i: number) => M.left + slot * (i + 0.5);
  const yLeft = (v: number) => M.top + plotH * (1 - v / leftMax);
  const yRight = (v: number) => M.top + plotH * (1 - v / rightMax);
  const every = Math.ceil(n / 8);
  const right = props.formatRight;
  const captionId = `${props.id}-caption`;

  return (
    <figure className="chart" aria-labelledby={captionId}>
      <figcaption id={captionId}>{props.caption}</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${props.caption}: ${layers.map((l) => l.name).join(", ")} per bucket (numbers below)`}>
        {[0, 0.5, 1].map((f) => (
          <g key={f} className="axis">
            <line x1={M.left} x2={W - M.right} y1={M.top + plotH * (1 - f)} y2={M.top + plotH * (1 - f)} />
            <text x={M.left - 6} y={M.top + plotH * (1 - f) + 4} textAnchor="end">{props.format(leftMax * f)}</text>
            {right && <text x={W - M.right + 6} y={M.top + plotH * (1 - f) + 4}>{right(rightMax * f)}</text>}
          </g>
        ))}
        {labels.map((label, i) => (i % every === 0 ? (
          <text key={i} className="axis" x={x(i)} y={H - 8} textAnchor="middle">{label}</text>
        ) : null))}
        {labels.map((_, i) => {
          let base = 0;
          return bars.map((l) => {
            const v = l.values[i] ?? 0;
            const top = base + v;
            const rect = v > 0 ? (
              <rect key={`${l.name}-${i}`} className={`bar tone${l.tone}`} x={x(i) - slot * 0.35} width={slot * 0.7}
                y={yLeft(top)} height={yLeft(base) - yLeft(top)} />
            ) : null;
            base = top;
            return rect;
          });
        })}
        {layers.filter((l) => l.kind === "line").map((l) => (
          <path key={l.name} className={`line tone${l.tone}`} d={linePath(l.values, x, l.axis === "right" ? yRight : yLeft)} />
        ))}
      </svg>
      <ul className="legend">
        {layers.map((l) => (
          <li key={l.name}>
            <span className={`swatch tone${l.tone} ${l.kind}`} aria-hidden="true" /> {l.name}
            {l.axis === "right" ? " (right axis)" : ""}
          </li>
        ))}
      </ul>
      <details>
        <summary>Numbers: {props.caption}</summary>
        <table aria-label={`${props.caption} (numbers)`}>
          <thead>
            <tr>
              <th scope="col">Bucket (UTC)</th>
              {layers.map((l) => <th key={l.name} scope="col">{l.name}</th>)}
            </tr>
          </thead>
          <tbody>
            {labels.map((label, i) => (
              <tr key={i}>
                <th scope="row">{label}</th>
                {layers.map((l) => {
                  const v = l.values[i];
                  const f = l.axis === "right" && right ? right : props.format;
                  return <td key={l.name}>{v === null || v === undefined ? "—" : f(v)}</td>;
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
