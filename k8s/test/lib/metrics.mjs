// Checks of the chart's metrics: the PrometheusRule's alerts and the
// dashboard's queries through promtool (Debian's prometheus package, via
// scripts/promtool), and the alerts' behaviour by promtool's rule unit tests
// (alerts.test.yaml beside run.mjs).
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { byKind } from "./manifests.mjs";

function promtool(repo, args, cwd) {
  const r = spawnSync(join(repo, "scripts/promtool"), args, { encoding: "utf8", cwd });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}`.trim() };
}

// The rendered PrometheusRule's groups: valid rules (promtool check rules),
// and they behave as alerts.test.yaml says (promtool test rules).
export function alertChecks(repo, docs, testFile) {
  const rule = byKind(docs, "PrometheusRule")[0];
  if (!rule) return { check: ["no PrometheusRule rendered"], test: ["no PrometheusRule rendered"] };
  const dir = mkdtempSync(join(tmpdir(), "moodle-rules-"));
  try {
    writeFileSync(join(dir, "rules.yaml"), stringify({ groups: rule.spec.groups }));
    copyFileSync(testFile, join(dir, "alerts.test.yaml"));
    const check = promtool(repo, ["check", "rules", "rules.yaml"], dir);
    const test = promtool(repo, ["test", "rules", "alerts.test.yaml"], dir);
    return { check: check.ok ? [] : [check.out], test: test.ok ? [] : [test.out] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Every query of the dashboard, Grafana's variables given sample values,
// parses as PromQL (as recording rules for promtool check rules).
export function dashboardChecks(repo, file) {
  let dash;
  try {
    dash = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    return [`${file}: ${e.message}`];
  }
  const v = [];
  const queries = (dash.panels ?? []).flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
  if (queries.length === 0) v.push("no panel queries");
  for (const p of dash.panels ?? []) if (p.datasource?.uid !== "${datasource}") v.push(`${p.title}: not on the dashboard's datasource variable`);
  const sample = (e) => e.replaceAll("$__rate_interval", "5m").replaceAll("$namespace", "moodle").replaceAll("$pod", ".*");
  const dir = mkdtempSync(join(tmpdir(), "moodle-dashboard-"));
  try {
    const rules = queries.map((q, i) => ({ record: `dashboard:query_${i}`, expr: sample(q.expr) }));
    writeFileSync(join(dir, "queries.yaml"), stringify({ groups: [{ name: "dashboard", rules }] }));
    const r = promtool(repo, ["check", "rules", "queries.yaml"], dir);
    if (!r.ok) v.push(r.out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return v;
}
