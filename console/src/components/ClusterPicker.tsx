// The target clusters of a job: a checkbox per scheduler cluster, none chosen meaning every cluster
// (a cluster admin must choose theirs: a job for every cluster is refused to them).
import { apiPage } from "../api";
import type { Cluster } from "../types";
import { ErrorBox, useLoad } from "../ui";

/** Checkboxes choosing job target clusters by id. */
export function ClusterPicker({ chosen, onChange }: { chosen: number[]; onChange: (ids: number[]) => void }) {
  const clusters = useLoad(() => apiPage<Cluster>("/api/v1/scheduler-clusters", 1, 100), []);
  const toggle = (id: number) => onChange(chosen.includes(id) ? chosen.filter((x) => x !== id) : [...chosen, id]);
  return (
    <fieldset>
      <legend>Clusters (none: every cluster)</legend>
      {clusters.data?.items.map((c) => (
        <label className="check" key={c.id}>
          <input type="checkbox" checked={chosen.includes(c.id)} onChange={() => toggle(c.id)} /> {c.name}
        </label>
      ))}
      <ErrorBox error={clusters.error} />
    </fieldset>
  );
}
