// Helpers to walk rendered manifests: kinds, names, pod templates, quantities.

export const byKind = (docs, kind) => docs.filter((d) => d.kind === kind);
export const name = (d) => `${d.kind}/${d.metadata?.name}`;
export const labelsMatch = (selector = {}, labels = {}) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

// Pod templates of every workload, with their owner's kind and name.
export function podTemplates(docs) {
  const out = [];
  for (const d of docs) {
    if (d.kind === "Deployment" || d.kind === "Job") out.push({ owner: d, tpl: d.spec?.template });
    if (d.kind === "CronJob") out.push({ owner: d, tpl: d.spec?.jobTemplate?.spec?.template });
    if (d.kind === "Pod") out.push({ owner: d, tpl: { metadata: d.metadata, spec: d.spec } });
  }
  return out.map(({ owner, tpl }) => ({ owner, where: name(owner), labels: tpl?.metadata?.labels ?? {},
    annotations: tpl?.metadata?.annotations ?? {}, spec: tpl?.spec ?? {} }));
}
export const containersOf = (spec) => [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
export const component = (pod) => pod.labels["app.kubernetes.io/component"];

// Kubernetes quantity to a number (bytes or cores).
export function quantity(q) {
  const m = String(q).match(/^([0-9.]+)(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/);
  if (!m) return NaN;
  const mult = { m: 1e-3, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
  return Number(m[1]) * (m[2] ? mult[m[2]] : 1);
}
