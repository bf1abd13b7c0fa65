// Offline checks of the moodle chart and the cluster add-ons.
//   HELM=/path/to/helm3 HELM4=/path/to/helm4 node run.mjs
// Prints PASS/FAIL per check and ends with "N passed, N failed".
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { helm, MONITORING_APIS, template } from "./lib/helm.mjs";
import { alertChecks, dashboardChecks } from "./lib/metrics.mjs";
import { modelsKubernetesVersion, validateManifest } from "./lib/schema.mjs";
import { cdkClusterVersions, kubeVersions, minorOf } from "./lib/cluster-version.mjs";
import { RULES, runRules } from "./lib/policy.mjs";
import { byKind } from "./lib/manifests.mjs";
import { checkChartDocs } from "./lib/chart-docs.mjs";
import { addonChecks, addonManifestErrors } from "./lib/addons.mjs";
import { addonNegativeChecks, docsNegativeChecks, negativeChecks, renderNotes } from "./lib/negative.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const CHART = resolve(here, "../charts/moodle");
const ADDONS = resolve(here, "../addons");
// From the oldest supported version up to the one the CDK app deploys.
const CLUSTER_VERSIONS = cdkClusterVersions(resolve(here, "../.."));
const KUBE_VERSIONS = kubeVersions(CLUSTER_VERSIONS);
const NEWEST = KUBE_VERSIONS.at(-1);

let passed = 0, failed = 0;
function report(name, violations) {
  if (violations.length === 0) {
    passed++;
    console.log(`PASS: ${name}`);
  } else {
    failed++;
    console.log(`FAIL: ${name}`);
    for (const v of violations.slice(0, 8)) console.log(`      ${v}`);
    if (violations.length > 8) console.log(`      ... and ${violations.length - 8} more`);
  }
}

async function schemaErrors(docs) {
  const errors = [];
  for (const d of docs) for (const e of await validateManifest(d)) errors.push(`${d.kind}/${d.metadata?.name}: ${e}`);
  return errors;
}

const models = modelsKubernetesVersion();
report(`manifest schemas (Kubernetes ${models} API) cover the cluster the CDK app deploys (${CLUSTER_VERSIONS.join(", ")})`,
  CLUSTER_VERSIONS.filter((v) => minorOf(models) < minorOf(v)).map((v) => `cluster runs ${v}, schemas are ${models}: update @kubernetes/client-node`));

const valueSets = readdirSync(join(CHART, "ci")).filter((f) => f.endsWith(".yaml")).sort();
report("ci/ has the minimal, production, existing-secret, static EFS and CloudFront value sets",
  ["minimal", "production", "existing-secret", "static-efs", "cloudfront"].filter((s) => !valueSets.includes(`${s}-values.yaml`)).map((s) => `missing ci/${s}-values.yaml`));
const docs = checkChartDocs(CHART);
report("readme-generator-for-helm: every value of values.yaml has a ## @param line, every @param a value", docs.generator);
report("README.md: its Parameters section is what readme-generator makes from values.yaml", docs.readme);
report("values.schema.json: what readme-generator makes from values.yaml, with values.schema.constraints.json", docs.schema);

for (const set of valueSets) {
  const file = join(CHART, "ci", set);
  const values = parse(readFileSync(file, "utf8")) ?? {};
  const lintErrors = KUBE_VERSIONS.map((kv) => [kv, helm(["lint", "--strict", CHART, "-f", file, "--kube-version", kv])])
    .filter(([, r]) => !r.ok).map(([kv, r]) => `Kubernetes ${kv}: ${(r.stdout + r.stderr).trim()}`);
  report(`${set}: helm lint --strict on Kubernetes ${KUBE_VERSIONS.join(", ")}`, lintErrors);

  for (const kv of KUBE_VERSIONS) {
    const r = template(CHART, { values: [file], kubeVersion: kv });
    report(`${set}: helm template on Kubernetes ${kv}, schemas (unknown fields rejected)`,
      r.ok ? await schemaErrors(r.docs) : [r.stderr.trim()]);
  }

  const r = template(CHART, { values: [file], kubeVersion: NEWEST });
  const lint4 = helm(["lint", "--strict", CHART, "-f", file, "--kube-version", NEWEST], process.env.HELM4);
  const r4 = template(CHART, { values: [file], kubeVersion: NEWEST, binary: process.env.HELM4 });
  report(`${set}: Helm 4 lints it and renders the same manifests`, [
    ...(lint4.ok ? [] : [`helm 4 lint: ${(lint4.stdout + lint4.stderr).trim()}`]),
    ...(r4.ok ? (r4.text === r.text ? [] : ["helm 4 renders different manifests"]) : [`helm 4 template: ${r4.stderr.trim()}`]),
  ]);
  const secrets = ["databasePassword", "adminPassword", "redisPassword"].map((k) => values.secrets?.[k]).filter(Boolean);
  const persistence = values.persistence?.enabled !== false;
  for (const { rule, violations } of runRules(r.docs, { text: r.text, secrets, persistence })) {
    report(`${set}: policy: ${rule}`, violations);
  }

  // With the Prometheus Operator's CRDs: a PodMonitor and a PrometheusRule
  // instead of scrape annotations, valid against the Operator's models.
  const op = template(CHART, { values: [file], kubeVersion: NEWEST, apiVersions: MONITORING_APIS });
  const kinds = op.ok ? op.docs.map((d) => d.kind) : [];
  report(`${set}: with the Prometheus Operator's CRDs: PodMonitor and PrometheusRule, schemas, policy`, op.ok ? [
    ...(values.metrics?.enabled === false ? [] : ["PodMonitor", "PrometheusRule"].filter((k) => !kinds.includes(k)).map((k) => `no ${k}`)),
    ...await schemaErrors(op.docs),
    ...runRules(op.docs, { text: op.text, secrets, persistence }).flatMap(({ rule, violations }) => violations.map((x) => `${rule}: ${x}`)),
  ] : [op.stderr.trim()]);
  if (!kinds.includes("PodMonitor") && values.metrics?.enabled !== false) {
    report(`${set}: without the CRDs: no PodMonitor or PrometheusRule`, r.docs.some((d) => d.apiVersion.startsWith("monitoring.coreos.com")) ? ["monitoring kinds rendered without the CRDs"] : []);
  }

  const notes = renderNotes(CHART, file);
  const leaks = notes.ok ? secrets.filter((s) => notes.text.includes(s)).map(() => "NOTES.txt prints a secret value") : [notes.error];
  if (notes.ok && !notes.text.includes("kubectl get secret")) leaks.push("NOTES.txt does not say how to read the admin password");
  const defaultImage = (values.image?.repository ?? "moodlecache/moodle") === "moodlecache/moodle";
  if (notes.ok && defaultImage !== notes.text.includes("published nowhere")) leaks.push("NOTES.txt does not warn exactly when the image is the unpublished default");
  report(`${set}: NOTES.txt renders, prints no secret, warns about the default image`, leaks);
}

// One replica (autoscaling off) is allowed; its PDB must still let drains through.
const single = template(CHART, { values: [join(CHART, "ci/minimal-values.yaml")], set: ["autoscaling.enabled=false", "web.replicaCount=1"], kubeVersion: NEWEST });
report("one web replica (autoscaling off): the PDB lets a node drain evict it",
  single.ok ? RULES["node drains not blocked by the PDB"](single.docs) : [single.stderr.trim()]);

// Files on S3: the chart's objectStorage values reach the image as the settings it reads.
const s3File = join(CHART, "ci/cloudfront-values.yaml");
const s3 = template(CHART, { values: [s3File], set: ["objectStorage.endpoint=http://127.0.0.1:4568", "objectStorage.minimumAge=0"], kubeVersion: NEWEST });
const s3Values = { ...parse(readFileSync(join(CHART, "values.yaml"), "utf8")).objectStorage, ...parse(readFileSync(s3File, "utf8")).objectStorage };
const s3Env = s3.ok ? byKind(s3.docs, "ConfigMap").find((c) => c.data?.MOODLE_S3_BUCKET)?.data ?? {} : {};
const s3Want = { MOODLE_S3_BUCKET: s3Values.bucket, MOODLE_S3_REGION: s3Values.region, MOODLE_S3_ENDPOINT: "http://127.0.0.1:4568",
  MOODLE_OBJECTFS_DELETE_LOCAL: String(s3Values.deleteLocal), MOODLE_OBJECTFS_SIZE_THRESHOLD: String(s3Values.sizeThreshold),
  MOODLE_OBJECTFS_MINIMUM_AGE: "0", MOODLE_OBJECTFS_CONSISTENCY_DELAY: String(s3Values.consistencyDelay) };
report("objectStorage values render as the image's MOODLE_S3_* and MOODLE_OBJECTFS_* settings",
  s3.ok ? Object.entries(s3Want).filter(([k, want]) => s3Env[k] !== want).map(([k, want]) => `${k}: ${s3Env[k]} instead of ${want}`) : [s3.stderr.trim()]);

// The near cache: its values reach the web, cron and install pods as the image's settings.
const nearEnv = (set) => {
  const r = template(CHART, { values: [join(CHART, "ci/minimal-values.yaml")], set, kubeVersion: NEWEST });
  if (!r.ok) return { error: r.stderr.trim() };
  const cm = byKind(r.docs, "ConfigMap").find((c) => c.metadata.name.endsWith("-env"))?.data ?? {};
  const job = byKind(r.docs, "Job")[0]?.spec.template.spec.containers[0].env ?? [];
  const jobEnv = Object.fromEntries(job.map((e) => [e.name, e.value]));
  const readers = r.docs.filter((d) => ["Deployment", "CronJob"].includes(d.kind)).map((d) => (d.spec.template ?? d.spec.jobTemplate.spec.template).spec.containers[0])
    .filter((c) => (c.envFrom ?? []).some((f) => f.configMapRef?.name?.endsWith("-env"))).length;
  return { cm: [cm.MOODLE_NEAR_CACHE, cm.MOODLE_NEAR_CACHE_SIZE].join(" "), job: [jobEnv.MOODLE_NEAR_CACHE, jobEnv.MOODLE_NEAR_CACHE_SIZE].join(" "), readers };
};
const nearWant = [[[], "true 64M"], [["redis.nearCache.size=256M"], "true 256M"], [["redis.nearCache.enabled=false"], "false 0"]];
report("redis.nearCache values render as MOODLE_NEAR_CACHE and MOODLE_NEAR_CACHE_SIZE for the web and cron pods (ConfigMap) and the install Job (env)",
  nearWant.flatMap(([set, want]) => {
    const got = nearEnv(set);
    if (got.error) return [`${set.join(",") || "defaults"}: ${got.error}`];
    return [...(got.cm === want ? [] : [`${set.join(",") || "defaults"}: ConfigMap has "${got.cm}", want "${want}"`]),
      ...(got.job === want ? [] : [`${set.join(",") || "defaults"}: install Job has "${got.job}", want "${want}"`]),
      ...(got.readers === 2 ? [] : [`${set.join(",") || "defaults"}: ${got.readers} of the web Deployment and cron CronJob read the ConfigMap`])];
  }));

// The alerts (promtool check rules; promtool test rules with alerts.test.yaml)
// and the dashboard (every query parses; the ConfigMap carries it, labelled
// for Grafana's sidecar).
const withOp = template(CHART, { values: [join(CHART, "ci/minimal-values.yaml")], kubeVersion: NEWEST, apiVersions: MONITORING_APIS });
const REPO = resolve(here, "../..");
const alerts = withOp.ok ? alertChecks(REPO, withOp.docs, join(here, "alerts.test.yaml")) : { check: [withOp.stderr], test: [withOp.stderr] };
report("PrometheusRule: the alerts are valid rules (promtool check rules)", alerts.check);
report("PrometheusRule: FPM saturated, near cache untrusted, cache errors rising fire when they should and only then (promtool test rules)", alerts.test);
const dashboardFile = join(CHART, "dashboards/moodle.json");
const dashboardCm = byKind(withOp.docs, "ConfigMap").find((c) => c.metadata.name.endsWith("-dashboard"));
report("Grafana dashboard: every panel's query parses (promtool), in a ConfigMap labelled grafana_dashboard", [
  ...dashboardChecks(REPO, dashboardFile),
  ...(dashboardCm?.metadata.labels?.grafana_dashboard ? [] : ["no dashboard ConfigMap with the grafana_dashboard label"]),
  ...(dashboardCm && dashboardCm.data?.["moodle.json"] === readFileSync(dashboardFile, "utf8") ? [] : ["the ConfigMap does not hold dashboards/moodle.json"]),
]);

const old = template(CHART, { values: [join(CHART, "ci/minimal-values.yaml")], kubeVersion: "1.30.0" });
report("Kubernetes 1.30 (unsupported) is refused by kubeVersion", old.ok ? ["rendered for 1.30"] : []);
const bare = template(CHART, {});
report("rendering without required values fails with a message",
  !bare.ok && bare.stderr.includes("moodle.wwwroot is required") ? [] : ["rendered without moodle.wwwroot, or no clear message"]);

const ingressClassName = parse(readFileSync(join(CHART, "values.yaml"), "utf8")).ingress.className;
for (const { name, violations } of addonChecks(ADDONS, { ingressClassName, clusterVersions: CLUSTER_VERSIONS })) report(name, violations);
report("add-ons: manifests valid against Kubernetes schemas", await addonManifestErrors(ADDONS));

// Broken charts and values must be caught: each case asserts the check fails.
for (const { name, violations } of await negativeChecks(CHART, NEWEST)) report(`negative: ${name}`, violations);
for (const { name, violations } of docsNegativeChecks(CHART)) report(`negative: ${name}`, violations);
for (const { name, violations } of addonNegativeChecks(ADDONS, { ingressClassName, clusterVersions: CLUSTER_VERSIONS })) report(`negative: ${name}`, violations);

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
