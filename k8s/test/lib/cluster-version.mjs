// The Kubernetes versions the chart is checked against: from the oldest it
// supports (Chart.yaml kubeVersion) up to the one the CDK app deploys
// (cdk-equivalent-infra/cdk.json, every profile), so the chart is rendered
// and validated for the cluster it really runs on.
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const OLDEST_MINOR = 31;

// Kubernetes versions ("1.36") of the CDK app's profiles, each merged over default.
export function cdkClusterVersions(repo) {
  const profiles = JSON.parse(readFileSync(join(repo, "cdk-equivalent-infra/cdk.json"), "utf8")).context["moodlecache:profiles"];
  const versions = Object.values(profiles).map((p) => String(p.kubernetesVersion ?? profiles.default.kubernetesVersion));
  return [...new Set(versions)].sort();
}

export const minorOf = (v) => Number(String(v).split(".")[1]);

// "1.31.0" ... "1.<newest>.0", newest being the newest cluster version.
export function kubeVersions(clusterVersions) {
  const newest = Math.max(...clusterVersions.map(minorOf));
  return Array.from({ length: newest - OLDEST_MINOR + 1 }, (_, i) => `1.${OLDEST_MINOR + i}.0`);
}
