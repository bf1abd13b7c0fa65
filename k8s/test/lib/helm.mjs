// Thin wrappers around the helm binary (offline: lint, template).
import { spawnSync } from "node:child_process";
import { parseAllDocuments } from "yaml";

export const HELM = process.env.HELM;

export function helm(args, binary = HELM) {
  const r = spawnSync(binary, args, { encoding: "utf8", maxBuffer: 64 << 20 });
  return { ok: r.status === 0, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

// Renders the chart; returns { ok, text, docs, stderr }.
// The Prometheus Operator's kinds the chart looks for (.Capabilities.APIVersions).
export const MONITORING_APIS = ["monitoring.coreos.com/v1/PodMonitor", "monitoring.coreos.com/v1/PrometheusRule"];

export function template(chart, { values = [], set = [], kubeVersion = "1.34.0", apiVersions = [], showOnly, binary = HELM } = {}) {
  const args = ["template", "moodle", chart, "--namespace", "moodle", "--kube-version", kubeVersion];
  for (const a of apiVersions) args.push("--api-versions", a);
  for (const f of values) args.push("-f", f);
  for (const s of set) args.push("--set", s);
  if (showOnly) args.push("--show-only", showOnly);
  const r = helm(args, binary);
  if (!r.ok) return { ok: false, text: "", docs: [], stderr: r.stderr };
  // Duplicate keys and other YAML errors: Kubernetes would reject or silently
  // drop data, so the render counts as failed.
  const parsed = parseAllDocuments(r.stdout);
  const yamlErrors = parsed.flatMap((d) => [...d.errors, ...d.warnings]).map((e) => e.message);
  if (yamlErrors.length > 0) return { ok: false, text: r.stdout, docs: [], stderr: yamlErrors.join("\n") };
  const docs = parsed.map((d) => d.toJS()).filter((d) => d && typeof d === "object");
  return { ok: true, text: r.stdout, docs, stderr: r.stderr };
}
