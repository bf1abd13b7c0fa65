// Checks of k8s/addons: pinned versions, the operator script's reading of
// them, the priority expander, and the settings each add-on must have for a
// Spot-heavy Moodle cluster. The add-on charts themselves cannot be fetched
// offline; their values are checked by assertion.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";
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

  // install.sh reads versions.yaml with awk; it must agree with a YAML parser.
  const env = { ...process.env, DRY_RUN: "1", CLUSTER_NAME: "ci", AWS_REGION: "eu-west-1", VPC_ID: "vpc-0123",
    ALB_ROLE_ARN: "arn:aws:iam::123456789012:role/alb", EFS_CSI_ROLE_ARN: "arn:aws:iam::123456789012:role/efs",
    AUTOSCALER_ROLE_ARN: "arn:aws:iam::123456789012:role/ca" };
  const r = spawnSync("bash", [join(dir, "install.sh")], { encoding: "utf8", env });
  const v2 = r.status === 0 ? [] : [`install.sh failed: ${r.stderr.trim()}`];
  const lines = r.stdout.split("\n").filter((l) => l.startsWith("helm upgrade --install "));
  for (const [name, e] of Object.entries(versions)) {
    const line = lines.find((l) => l.split(" ")[3] === name) ?? "";
    const ref = e.repository.startsWith("oci://") ? `${e.repository}/${e.chart} ` : `${e.chart} --repo ${e.repository} `;
    if (!line.includes(ref) || !line.includes(`--version ${e.version} `) || !line.includes(`--namespace ${e.namespace} `)) {
      v2.push(`${name}: install.sh does not install ${ref.trim()} ${e.version} in ${e.namespace}`);
    }
    if (e.appVersion && !line.includes(`--set image.tag=v${e.appVersion} `)) v2.push(`${name}: install.sh does not run release v${e.appVersion}`);
  }
  if (lines.length !== Object.keys(versions).length) v2.push(`install.sh installs ${lines.length} charts, versions.yaml pins ${Object.keys(versions).length}`);
  if (!/kubectl apply -f \S+priority-expander\.yaml/.test(r.stdout)) v2.push("install.sh does not apply the priority expander ConfigMap");
  add("add-ons: install.sh installs exactly the pinned versions", v2);

  // Cluster Autoscaler supports only the Kubernetes minor it was built for.
  const caPin = versions["cluster-autoscaler"] ?? {};
  const minor = (v) => String(v).split(".").slice(0, 2).join(".");
  add(`add-ons: autoscaler release matches the cluster's Kubernetes minor (${clusterVersions.join(", ")})`,
    caPin.appVersion
      ? clusterVersions.filter((v) => minor(caPin.appVersion) !== minor(v)).map((v) => `cluster-autoscaler ${caPin.appVersion} on a ${v} cluster`)
      : ["cluster-autoscaler: no appVersion (the chart's default release lags Kubernetes)"]);

  const ca = values("cluster-autoscaler");
  const v3 = [];
  if (ca.extraArgs?.expander !== "priority") v3.push("cluster-autoscaler: extraArgs.expander is not priority");
  if (!isOnDemand(ca.nodeSelector)) v3.push("cluster-autoscaler: not on On-Demand nodes");
  const [cm] = parseAllDocuments(readFileSync(join(dir, "cluster-autoscaler/priority-expander.yaml"), "utf8")).map((d) => d.toJS());
  if (cm?.metadata?.name !== "cluster-autoscaler-priority-expander" || cm?.metadata?.namespace !== "kube-system") {
    v3.push("priority expander ConfigMap must be kube-system/cluster-autoscaler-priority-expander");
  }
  const prio = parse(cm?.data?.priorities ?? "") ?? {};
  const rank = (asg) => Math.max(-1, ...Object.entries(prio).filter(([, pats]) => pats.some((p) => new RegExp(`^${p}$`).test(asg))).map(([n]) => Number(n)));
  const spot = rank("eks-moodle-spot-6ec5a2f0-1b2c"), onDemand = rank("eks-moodle-on-demand-8ac5a2f0-3d4e");
  if (!(spot > onDemand && onDemand >= 0)) v3.push(`priorities do not prefer Spot node groups (spot ${spot}, on-demand ${onDemand})`);
  add("add-ons: cluster-autoscaler priority expander prefers Spot, runs On-Demand", v3);

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
