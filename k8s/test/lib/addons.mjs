// Checks of k8s/addons: pinned versions, the operator script's reading of
// them (with a YAML parser), the autoscaler's priorities, and the settings each add-on must have for a
// Spot-heavy Moodle cluster. The add-on charts themselves cannot be fetched
// offline; their values are checked by assertion.
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { parse, parseAllDocuments, stringify } from "yaml";
import { validateManifest } from "./schema.mjs";

const isOnDemand = (sel) => sel?.["eks.amazonaws.com/capacityType"] === "ON_DEMAND";

export function addonChecks(dir, { ingressClassName, clusterVersions }) {
  const checks = [];
  const add = (name, violations) => checks.push({ name, violations });
  const versions = parse(readFileSync(join(dir, "versions.yaml"), "utf8"));
  const values = (addon) => parse(readFileSync(join(dir, addon, "values.yaml"), "utf8")) ?? {};

  const v1 = [];
  const dirs = readdirSync(dir).filter((f) => statSync(join(dir, f)).isDirectory());
  for (const [name, e] of Object.entries(versions)) {
    for (const k of ["chart", "repository", "version", "namespace"]) if (!e?.[k]) v1.push(`${name}: no ${k}`);
    if (!/^\d+\.\d+\.\d+$/.test(String(e?.version))) v1.push(`${name}: version ${e?.version} is not an exact x.y.z pin`);
    if (!/^(https|oci):\/\//.test(e?.repository ?? "")) v1.push(`${name}: repository ${e?.repository} is not https:// or oci://`);
    if (!dirs.includes(name)) v1.push(`${name}: no ${name}/values.yaml`);
  }
  for (const d of dirs) if (!versions[d]) v1.push(`${d}/: not pinned in versions.yaml`);
  add("add-ons: versions.yaml pins every add-on", v1);

  // install.sh must install exactly the pins, read with a YAML parser: the
  // same file in another YAML style (flow mappings, quoted strings, comments,
  // other key order) must give the same commands.
  const installLines = (addonsDir) => {
    const env = { ...process.env, DRY_RUN: "1", CLUSTER_NAME: "ci", AWS_REGION: "eu-west-1", VPC_ID: "vpc-0123",
      ALB_ROLE_ARN: "arn:aws:iam::123456789012:role/alb", EFS_CSI_ROLE_ARN: "arn:aws:iam::123456789012:role/efs",
      AUTOSCALER_ROLE_ARN: "arn:aws:iam::123456789012:role/ca" };
    const r = spawnSync("bash", [join(addonsDir, "install.sh")], { encoding: "utf8", env });
    const lines = r.stdout.split("\n").filter((l) => l.startsWith("helm upgrade --install ")).map((l) => l.replaceAll(addonsDir, "ADDONS"));
    return { r, lines };
  };
  const { r, lines } = installLines(dir);
  const v2 = r.status === 0 ? [] : [`install.sh failed: ${r.stderr.trim()}`];
  for (const [name, e] of Object.entries(versions)) {
    const line = lines.find((l) => l.split(" ")[3] === name) ?? "";
    const ref = e.repository.startsWith("oci://") ? `${e.repository}/${e.chart} ` : `${e.chart} --repo ${e.repository} `;
    if (!line.includes(ref) || !line.includes(`--version ${e.version} `) || !line.includes(`--namespace ${e.namespace} `)) {
      v2.push(`${name}: install.sh does not install ${ref.trim()} ${e.version} in ${e.namespace}`);
    }
    if (e.appVersion && !line.includes(`--set image.tag=v${e.appVersion} `)) v2.push(`${name}: install.sh does not run release v${e.appVersion}`);
    if (!line.includes(`--values ADDONS/${name}/values.yaml `)) v2.push(`${name}: install.sh does not pass ${name}/values.yaml`);
  }
  if (lines.length !== Object.keys(versions).length) v2.push(`install.sh installs ${lines.length} charts, versions.yaml pins ${Object.keys(versions).length}`);
  if (/kubectl apply/.test(r.stdout)) v2.push("install.sh applies a hand-written manifest (the charts' values make everything)");
  add("add-ons: install.sh installs exactly the pinned versions", v2);

  const restyled = mkdtempSync(join(tmpdir(), "moodle-addons-restyled-"));
  try {
    cpSync(dir, restyled, { recursive: true });
    const reordered = Object.fromEntries(Object.entries(versions).reverse()
      .map(([n, e]) => [n, Object.fromEntries(Object.entries(e).reverse())]));
    writeFileSync(join(restyled, "versions.yaml"), `# restyled copy\n---\n${stringify(reordered, { collectionStyle: "flow", defaultStringType: "QUOTE_DOUBLE", defaultKeyType: "PLAIN" })}`);
    const again = installLines(restyled);
    const v2b = again.r.status === 0 ? [] : [`install.sh failed on the restyled file: ${again.r.stderr.trim()}`];
    const missing = lines.filter((l) => !again.lines.includes(l));
    if (missing.length > 0 || again.lines.length !== lines.length) {
      v2b.push(`the same pins in flow style with quoted strings give other commands: ${missing.length} of ${lines.length} differ (${(missing[0] ?? "").slice(0, 90)}...)`);
    }
    add("add-ons: install.sh reads versions.yaml with a YAML parser (flow style, quotes, comments: same commands)", v2b);
  } finally {
    rmSync(restyled, { recursive: true, force: true });
  }

  // Cluster Autoscaler supports only the Kubernetes minor it was built for.
  const caPin = versions["cluster-autoscaler"] ?? {};
  const minor = (v) => String(v).split(".").slice(0, 2).join(".");
  add(`add-ons: autoscaler release matches the cluster's Kubernetes minor (${clusterVersions.join(", ")})`,
    caPin.appVersion
      ? clusterVersions.filter((v) => minor(caPin.appVersion) !== minor(v)).map((v) => `cluster-autoscaler ${caPin.appVersion} on a ${v} cluster`)
      : ["cluster-autoscaler: no appVersion (the chart's default release lags Kubernetes)"]);

  // The autoscaler chart makes the priority expander's ConfigMap from
  // expanderPriorities (its template renders it only when extraArgs.expander
  // names priority and the table is not empty). The seed's order: large Spot,
  // then xlarge Spot, then On-Demand, each a distinct priority.
  const ca = values("cluster-autoscaler");
  const v3 = [];
  if (ca.extraArgs?.expander !== "priority") v3.push("cluster-autoscaler: extraArgs.expander is not priority");
  if (!isOnDemand(ca.nodeSelector)) v3.push("cluster-autoscaler: not on On-Demand nodes");
  const prio = ca.expanderPriorities ?? {};
  if (Object.keys(prio).length === 0) v3.push("cluster-autoscaler: no expanderPriorities (the chart then makes no priority ConfigMap)");
  for (const [n, pats] of Object.entries(prio)) {
    if (!/^\d+$/.test(n)) v3.push(`expanderPriorities: key ${n} is not a whole number`);
    if (!Array.isArray(pats) || pats.some((p) => typeof p !== "string")) v3.push(`expanderPriorities.${n}: not a list of patterns`);
  }
  const handWritten = readdirSync(join(dir, "cluster-autoscaler")).filter((f) => f !== "values.yaml");
  if (handWritten.length > 0) v3.push(`hand-written files beside the values: ${handWritten.join(", ")}`);
  // ASG names as EKS makes them for the CDK app's node groups.
  const rank = (asg) => Math.max(-1, ...Object.entries(prio)
    .filter(([, pats]) => Array.isArray(pats) && pats.some((p) => new RegExp(`^${p}$`).test(asg))).map(([n]) => Number(n)));
  const groups = ["prod-moodle-spot-large", "prod-moodle-spot-xlarge", "prod-moodle-on-demand"];
  const ranks = groups.map((g) => rank(`eks-${g}-6ec5a2f0-1b2c-3d4e-5f60-718293a4b5c6`));
  if (!(ranks[0] > ranks[1] && ranks[1] > ranks[2] && ranks[2] >= 0)) {
    v3.push(`priorities are not large Spot > xlarge Spot > On-Demand: ${groups.map((g, i) => `${g} ${ranks[i]}`).join(", ")}`);
  }
  add("add-ons: cluster-autoscaler priorities from expanderPriorities: large Spot, then xlarge Spot, then On-Demand; runs On-Demand", v3);

  const nth = values("aws-node-termination-handler");
  const v4 = [];
  if (nth.enableSpotInterruptionDraining !== true) v4.push("NTH does not drain on Spot interruption");
  if (nth.enableScheduledEventDraining !== true) v4.push("NTH does not drain on scheduled events");
  if (!(nth.podTerminationGracePeriod === -1 || nth.podTerminationGracePeriod < 120)) v4.push("NTH pod grace period does not fit the Spot notice");
  add("add-ons: node termination handler drains within the Spot notice", v4);

  const v5 = [];
  const ms = values("metrics-server");
  if (!(ms.replicas >= 2 && ms.podDisruptionBudget?.enabled)) v5.push("metrics-server: fewer than 2 replicas or no PDB (the HPA needs it)");
  const lbc = values("aws-load-balancer-controller");
  if (lbc.ingressClass !== ingressClassName || lbc.createIngressClassResource !== true) {
    v5.push(`aws-load-balancer-controller: does not create IngressClass ${ingressClassName} that the chart uses`);
  }
  const efs = values("aws-efs-csi-driver");
  if ((efs.storageClasses ?? []).length !== 0) v5.push("aws-efs-csi-driver: creates StorageClasses (the moodle chart owns them)");
  if (!(efs.node?.tolerations ?? []).some((t) => t.operator === "Exists" && !t.key)) v5.push("aws-efs-csi-driver: node plugin does not tolerate every taint");
  for (const [n, sel] of [["metrics-server", ms.nodeSelector], ["aws-load-balancer-controller", lbc.nodeSelector], ["efs controller", efs.controller?.nodeSelector]]) {
    if (!isOnDemand(sel)) v5.push(`${n}: not on On-Demand nodes`);
  }
  add("add-ons: metrics-server, load balancer controller, EFS CSI settings", v5);

  return checks;
}

// Kubernetes manifests shipped in k8s/addons (everything but values files).
export async function addonManifestErrors(dir) {
  const errors = [];
  for (const sub of readdirSync(dir)) {
    const path = join(dir, sub);
    if (!statSync(path).isDirectory()) continue;
    for (const f of readdirSync(path).filter((f) => f.endsWith(".yaml") && f !== "values.yaml")) {
      for (const doc of parseAllDocuments(readFileSync(join(path, f), "utf8")).map((d) => d.toJS()).filter(Boolean)) {
        for (const e of await validateManifest(doc)) errors.push(`${sub}/${f}: ${e}`);
      }
    }
  }
  return errors;
}
