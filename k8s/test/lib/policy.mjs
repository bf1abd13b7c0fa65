// Policy rules over the chart's rendered manifests. Each rule returns a list
// of violations (strings); an empty list is a pass. The rules encode the
// deployment's requirements: restricted pod security, probes fit for a first
// start on EFS, Spot resilience, On-Demand placement of critical pods, no
// deprecated APIs, and no secret values outside Secrets.

import * as pod from "./rules-pod.mjs";
import * as release from "./rules-release.mjs";

// Name -> rule. The runner reports each as one PASS/FAIL line per value set.
export const RULES = {
  "pod security (restricted)": pod.podSecurity,
  "no service account token": pod.serviceAccountTokens,
  "resources": pod.resources,
  "probes": pod.probes,
  "graceful termination within the Spot notice": pod.gracefulTermination,
  "pod disruption budget": release.disruptionBudget,
  "node drains not blocked by the PDB": release.drainable,
  "spread across zones, instance types, hosts": pod.spread,
  "cron and install job on On-Demand": pod.onDemandPlacement,
  "cron Forbid, install hook": release.jobs,
  "install hook reads the release's new settings": release.hookConfiguration,
  "no deprecated APIs or annotations": release.deprecations,
  "no secret values outside Secrets": release.secretHygiene,
  "ALB ingress": release.ingress,
  "target group binding": release.targetGroupBinding,
  "HPA autoscaling/v2": release.autoscaling,
  "moodledata on EFS": release.storage,
  "files on S3 reachable": release.objectStorage,
  "network policy": release.networkPolicy,
  "pinned images": pod.images,
  "image environment contract": pod.imageEnv,
  "near cache fits the web pods' memory": pod.nearCacheMemory,
  "helm test hook": release.helmTest,
  "metrics scraped on their own ports": release.metricsScraping,
};

// ctx: { text: the raw YAML, secrets: extra strings that must not appear,
// persistence: whether moodledata should be on a claim }
export function runRules(docs, ctx = {}) {
  return Object.entries(RULES).map(([rule, fn]) => ({ rule, violations: fn(docs, ctx) }));
}
