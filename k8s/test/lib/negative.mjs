// Deliberately broken charts and values. Each case must make a check fail;
// a case whose breakage goes unnoticed is reported as a failure. Patched
// copies of the chart live in a temporary directory.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MONITORING_APIS, template } from "./helm.mjs";
import { validateManifest } from "./schema.mjs";
import { RULES } from "./policy.mjs";
import { addonChecks } from "./addons.mjs";
import { checkChartDocs } from "./chart-docs.mjs";

function copyChart(chart) {
  const dir = mkdtempSync(join(tmpdir(), "moodle-chart-"));
  cpSync(chart, dir, { recursive: true });
  return dir;
}

// helm template never renders NOTES.txt; a copy of the chart gets a template
// that includes it as a YAML string.
export function renderNotes(chart, valuesFile) {
  const dir = copyChart(chart);
  try {
    writeFileSync(join(dir, "templates/zz-notes.yaml"),
      'notes: {{ include (print $.Template.BasePath "/NOTES.txt") . | toJson }}\n');
    const r = template(dir, { values: [valuesFile], showOnly: "templates/zz-notes.yaml" });
    return r.ok ? { ok: true, text: r.docs[0].notes } : { ok: false, error: r.stderr.trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Replace `from` (which must occur) in a template of the copied chart.
function patch(dir, file, from, to) {
  const path = join(dir, "templates", file);
  const text = readFileSync(path, "utf8");
  if (!text.includes(from)) throw new Error(`negative case is stale: ${file} no longer contains ${JSON.stringify(from)}`);
  writeFileSync(path, text.replace(from, to));
}

const CASES = [
  { name: "probes removed by a values override", set: ["web.readinessProbe=null", "web.livenessProbe=null"], rule: "probes" },
  { name: "writable root filesystem by a values override", set: ["containerSecurityContext.readOnlyRootFilesystem=false"],
    rule: "pod security (restricted)" },
  { name: "container securityContext removed from the templates", rule: "pod security (restricted)",
    patch: (d) => patch(d, "_helpers.tpl", "securityContext:\n  {{- toYaml $.Values.containerSecurityContext | nindent 2 }}", "") },
  { name: "cron without the On-Demand affinity", rule: "cron and install job on On-Demand",
    patch: (d) => patch(d, "cronjob.yaml", '{{- include "moodle.onDemandAffinity" . | nindent 12 }}', "{}") },
  { name: "cron with concurrencyPolicy Allow", rule: "cron Forbid, install hook",
    patch: (d) => patch(d, "cronjob.yaml", "concurrencyPolicy: Forbid", "concurrencyPolicy: Allow") },
  { name: "install hook reading the release's ConfigMap and Secret (the old ones before an upgrade)", rule: "install hook reads the release's new settings",
    patch: (d) => {
      patch(d, "job-install.yaml", '(dict "ctx" . "admin" true "hook" true) | nindent 10', '(dict "ctx" . "admin" true) | nindent 10');
      patch(d, "job-install.yaml", '(dict "ctx" . "admin" true "hook" true) | nindent 8', '(dict "ctx" . "admin" true) | nindent 8');
    } },
  { name: "install hook missing a setting the web pods get", rule: "install hook reads the release's new settings",
    patch: (d) => patch(d, "_helpers.tpl", '  - name: {{ $k }}\n    value: {{ $v | quote }}', '  {{- if ne $k "MOODLE_DB_HOST" }}\n  - name: {{ $k }}\n    value: {{ $v | quote }}\n  {{- end }}') },
  { name: "deprecated ingress.class annotation", rule: "no deprecated APIs or annotations",
    patch: (d) => patch(d, "ingress.yaml", "  annotations:\n", "  annotations:\n    kubernetes.io/ingress.class: alb\n") },
  { name: "deprecated zone label in a spread constraint", rule: "no deprecated APIs or annotations",
    patch: (d) => patch(d, "deployment.yaml", '"topology.kubernetes.io/zone"', '"failure-domain.beta.kubernetes.io/zone"') },
  { name: "database password copied into the ConfigMap", rule: "no secret values outside Secrets",
    patch: (d) => patch(d, "configmap.yaml", "data:\n", "data:\n  DB_PASS: {{ .Values.secrets.databasePassword | quote }}\n") },
  { name: "misspelt image variable in the ConfigMap", rule: "image environment contract",
    patch: (d) => patch(d, "_helpers.tpl", "MOODLE_DB_HOST:", "MOODLE_DBHOST:") },
  { name: "password file outside the mounted Secret", rule: "image environment contract",
    patch: (d) => patch(d, "_helpers.tpl", "value: /etc/moodle/secrets/db-password", "value: /run/secrets/db-password") },
  { name: "a 2G near cache in the default web memory", set: ["redis.nearCache.size=2G"], rule: "near cache fits the web pods' memory" },
  { name: "near cache settings left to the image's defaults", rule: "near cache fits the web pods' memory",
    patch: (d) => patch(d, "_helpers.tpl", "MOODLE_NEAR_CACHE: {{ .Values.redis.nearCache.enabled | quote }}", "") },
  { name: "near cache size in Kubernetes units (64Mi) rejected by values.schema.json", set: ["redis.nearCache.size=64Mi"], renderFails: true },
  { name: "no PDB", set: ["pdb.create=false"], rule: "pod disruption budget" },
  { name: "metrics without scrape annotations and without the Operator", rule: "metrics scraped on their own ports",
    patch: (d) => patch(d, "deployment.yaml", 'prometheus.io/scrape: "true"', 'prometheus.io/scrape: "false"') },
  { name: "scrape annotations naming the nginx port", rule: "metrics scraped on their own ports",
    patch: (d) => patch(d, "deployment.yaml", "prometheus.io/port: {{ .Values.metrics.port | quote }}", "prometheus.io/port: {{ .Values.metrics.nginxPort | quote }}") },
  { name: "a metrics port behind the Service", rule: "metrics scraped on their own ports",
    patch: (d) => patch(d, "service.yaml", "      targetPort: http\n", "      targetPort: metrics\n") },
  { name: "metrics ports closed by the NetworkPolicy", rule: "metrics scraped on their own ports",
    patch: (d) => patch(d, "networkpolicy.yaml", "        - port: metrics-nginx\n          protocol: TCP\n", "") },
  { name: "PodMonitor scraping a port the pods lack", rule: "metrics scraped on their own ports", apiVersions: true,
    patch: (d) => patch(d, "podmonitor.yaml", "    - port: metrics-nginx", "    - port: nginx-metrics") },
  { name: "PodMonitor and scrape annotations at once", rule: "metrics scraped on their own ports", apiVersions: true,
    patch: (d) => patch(d, "deployment.yaml", '(not (include "moodle.podMonitor" .))', "true") },
  { name: "misspelt field in the PodMonitor (unknown field)", schema: true, apiVersions: true,
    patch: (d) => patch(d, "podmonitor.yaml", "podMetricsEndpoints:", "podMetricEndpoints:") },
  { name: "PodMonitor interval of the wrong type", schema: true, apiVersions: true, set: ["metrics.interval=30"], renderFails: true },
  { name: "PDB keeping every replica, refused at render", set: ["pdb.minAvailable=2", "autoscaling.minReplicas=2"], renderFails: true },
  { name: "PDB maxUnavailable 0 rejected by values.schema.json", set: ["pdb.maxUnavailable=0"], renderFails: true },
  { name: "one replica under the old minAvailable-1 PDB", rule: "node drains not blocked by the PDB",
    set: ["autoscaling.enabled=false", "web.replicaCount=1"],
    patch: (d) => {
      patch(d, "pdb.yaml", "{{- else if lt $replicas 2 }}", "{{- else if false }}");
      patch(d, "pdb.yaml", "{{- if ge $kept $replicas }}", "{{- if false }}");
    } },
  { name: "deregistration delay longer than the grace period", set: ["ingress.deregistrationDelaySeconds=100"],
    rule: "graceful termination within the Spot notice" },
  { name: "HPA memory target of 0% (a zero value taken as set)", rule: "HPA autoscaling/v2",
    patch: (d) => patch(d, "hpa.yaml", "if gt (int .Values.autoscaling.targetMemory) 0", "if true") },
  { name: "no topology spread", set: ["topologySpread.enabled=false"], rule: "spread across zones, instance types, hosts" },
  { name: "zone spread DoNotSchedule over multi-AZ node groups", set: ["topologySpread.zone.whenUnsatisfiable=DoNotSchedule"],
    rule: "spread across zones, instance types, hosts" },
  { name: "duplicate key in a template (helm lint misses it)", renderFails: true,
    patch: (d) => patch(d, "deployment.yaml", '          args: ["web"]\n', '          args: ["web"]\n          env: []\n') },
  { name: "service account token mounted", set: ["serviceAccount.automountToken=true"], rule: "no service account token" },
  { name: "cron without resources", rule: "resources",
    patch: (d) => patch(d, "cronjob.yaml", "resources:\n                {{- toYaml .Values.cron.resources | nindent 16 }}", "") },
  { name: "ALB health check on a path no probe uses", set: ["ingress.healthCheckPath=/"], rule: "ALB ingress" },
  { name: "TargetGroupBinding naming a port the Service lacks", rule: "target group binding", values: "cloudfront-values.yaml",
    patch: (d) => patch(d, "targetgroupbinding.yaml", "port: http", "port: https") },
  { name: "TargetGroupBinding with instance targets", rule: "target group binding", values: "cloudfront-values.yaml",
    patch: (d) => patch(d, "targetgroupbinding.yaml", "targetType: ip", "targetType: instance") },
  { name: "misspelt field in the TargetGroupBinding (unknown field)", schema: true, values: "cloudfront-values.yaml",
    patch: (d) => patch(d, "targetgroupbinding.yaml", "targetGroupARN:", "targetGroupArn:") },
  { name: "Ingress and TargetGroupBinding at once, refused at render", renderFails: true, values: "cloudfront-values.yaml", set: ["ingress.enabled=true"] },
  { name: "files on S3 with the Pod Identity agent blocked", rule: "files on S3 reachable", values: "cloudfront-values.yaml",
    patch: (d) => patch(d, "networkpolicy.yaml", "cidr: 169.254.170.23/32", "cidr: 169.254.170.24/32") },
  { name: "files on S3 without a bucket, refused at render", renderFails: true, values: "cloudfront-values.yaml", set: ["objectStorage.bucket="] },
  { name: "moodledata on an emptyDir", set: ["persistence.enabled=false"], rule: "moodledata on EFS" },
  { name: "no NetworkPolicy", set: ["networkPolicy.enabled=false"], rule: "network policy" },
  { name: "image tag latest", set: ["image.tag=latest"], rule: "pinned images" },
  { name: "test pod without the helm test hook", rule: "helm test hook",
    patch: (d) => patch(d, "tests/test-http.yaml", "helm.sh/hook: test", "helm.sh/hook: post-install") },
  { name: "misspelt field in a template (unknown field)", schema: true,
    patch: (d) => patch(d, "deployment.yaml", "readinessProbe:", "readinessprobe:") },
  { name: "privilege escalation rejected by values.schema.json", set: ["containerSecurityContext.allowPrivilegeEscalation=true"], renderFails: true },
  { name: "unknown value key rejected by values.schema.json", set: ["web.replicas=3"], renderFails: true },
];

export async function negativeChecks(chart, kubeVersion) {
  const untested = Object.keys(RULES).filter((rule) => !CASES.some((c) => c.rule === rule));
  const results = [{ name: "every policy rule has a case that must fail it", violations: untested.map((r) => `no case for "${r}"`) }];
  for (const c of CASES) {
    const dir = copyChart(chart);
    try {
      c.patch?.(dir);
      const r = template(dir, { values: [join(dir, "ci", c.values ?? "minimal-values.yaml")], set: c.set ?? [], kubeVersion,
        apiVersions: c.apiVersions ? MONITORING_APIS : [] });
      let caught;
      if (c.renderFails) caught = !r.ok;
      else if (!r.ok) caught = false; // the breakage must render and then be caught by the named check
      else if (c.schema) caught = (await Promise.all(r.docs.map(validateManifest))).some((e) => e.length > 0);
      else caught = RULES[c.rule](r.docs, { text: r.text, secrets: [], persistence: true }).length > 0;
      const expected = c.renderFails ? "helm template to fail" : c.schema ? "schema validation to fail" : `policy "${c.rule}" to fail`;
      results.push({ name: `${c.name} is caught`, violations: caught ? [] : [`expected ${expected}${r.ok ? "" : `; render failed: ${r.stderr.trim()}`}`] });
    } catch (e) {
      results.push({ name: `${c.name} is caught`, violations: [e.message] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return results;
}

// Broken add-on files: each must fail the add-on check it names.
const ADDON_CASES = [
  { name: "a version range instead of a pin", check: "versions.yaml pins", file: "versions.yaml",
    from: "version: 9.59.0", to: "version: ^9.59.0" },
  { name: "cluster-autoscaler one minor behind the cluster", check: "autoscaler release matches", file: "versions.yaml",
    from: "appVersion: 1.36.1", to: "appVersion: 1.35.0" },
  { name: "install.sh without the pinned --version", check: "install.sh installs", file: "install.sh",
    from: '--version "$version" ', to: "" },
  { name: "install.sh reading versions.yaml with the old awk (flow style unread)", check: "install.sh reads versions.yaml", file: "install.sh",
    from: 'pins=$(versions)', to: `pins=$(awk '/^[A-Za-z0-9-]+:[[:space:]]*$/ { if (n) print n, f["chart"], f["repository"], f["version"], f["namespace"], (f["appVersion"] == "" ? "-" : f["appVersion"]); n = $1; sub(/:$/, "", n); delete f; next } /^[[:space:]]+(chart|repository|version|namespace|appVersion):/ { k = $1; sub(/:$/, "", k); f[k] = $2 } END { if (n) print n, f["chart"], f["repository"], f["version"], f["namespace"], (f["appVersion"] == "" ? "-" : f["appVersion"]) }' "$here/versions.yaml")` },
  { name: "autoscaler expander not priority", check: "cluster-autoscaler", file: "cluster-autoscaler/values.yaml",
    from: "expander: priority", to: "expander: least-waste" },
  { name: "both Spot sizes at one priority (the old table)", check: "cluster-autoscaler", file: "cluster-autoscaler/values.yaml",
    from: "  30:\n    - .*-spot-large-.*\n  20:\n    - .*-spot-xlarge-.*", to: "  30:\n    - .*-spot-large-.*\n    - .*-spot-xlarge-.*" },
  { name: "priorities preferring On-Demand", check: "cluster-autoscaler", file: "cluster-autoscaler/values.yaml",
    from: "  10:\n    - .*-on-demand-.*", to: "  50:\n    - .*-on-demand-.*" },
  { name: "no expanderPriorities (a hand-written ConfigMap instead)", check: "cluster-autoscaler", file: "cluster-autoscaler/values.yaml",
    from: "expanderPriorities:\n", to: "unusedPriorities:\n" },
];

export function addonNegativeChecks(addons, options) {
  return ADDON_CASES.map((c) => {
    const dir = mkdtempSync(join(tmpdir(), "moodle-addons-"));
    try {
      cpSync(addons, dir, { recursive: true });
      const path = join(dir, c.file);
      const text = readFileSync(path, "utf8");
      if (!text.includes(c.from)) return { name: `add-ons: ${c.name} is caught`, violations: [`case is stale: ${c.file} has no ${JSON.stringify(c.from)}`] };
      writeFileSync(path, text.replace(c.from, c.to));
      const hit = addonChecks(dir, options).find((r) => r.name.includes(c.check));
      return { name: `add-ons: ${c.name} is caught`, violations: hit?.violations.length ? [] : [`expected the "${c.check}" check to fail`] };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

// Values documentation out of step with values.yaml: each must fail its check.
function patchFile(dir, file, from, to) {
  const path = join(dir, file);
  const text = readFileSync(path, "utf8");
  if (!text.includes(from)) throw new Error(`case is stale: ${file} no longer contains ${JSON.stringify(from)}`);
  writeFileSync(path, text.replace(from, to));
}
const DOCS_CASES = [
  { name: "a value without a ## @param line", check: "generator",
    edit: (d) => patchFile(d, "values.yaml", "podAntiAffinityWeight: 100\n", "podAntiAffinityWeight: 100\nundocumented: 1\n") },
  { name: "a @param naming no value", check: "generator",
    edit: (d) => patchFile(d, "values.yaml", "## @param podAntiAffinityWeight", "## @param podAntiAffinityWieght") },
  { name: "a README row edited by hand", check: "readme",
    edit: (d) => patchFile(d, "README.md", "| Replicas when autoscaling is off", "| Replicas") },
  { name: "a @param reworded without regenerating", check: "readme",
    edit: (d) => patchFile(d, "values.yaml", "## @param web.replicaCount Replicas when autoscaling is off", "## @param web.replicaCount Web replicas when autoscaling is off") },
  { name: "a constraint dropped from values.schema.json by hand", check: "schema",
    edit: (d) => patchFile(d, "values.schema.json", '"const": true', '"type": "boolean"') },
  { name: "a constraint for a value that no longer exists", check: "schema",
    edit: (d) => patchFile(d, "values.schema.constraints.json", '"properties": {\n    "global"', '"properties": {\n    "gone": { "minimum": 1 },\n    "global"') },
];

export function docsNegativeChecks(chart) {
  return DOCS_CASES.map((c) => {
    const dir = copyChart(chart);
    try {
      c.edit(dir);
      return { name: `values docs: ${c.name} is caught`, violations: checkChartDocs(dir)[c.check].length > 0 ? [] : [`expected the ${c.check} check to fail`] };
    } catch (e) {
      return { name: `values docs: ${c.name} is caught`, violations: [e.message] };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
