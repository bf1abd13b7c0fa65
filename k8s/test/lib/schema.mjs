// Offline validation of Kubernetes manifests against the API's own models.
// Two passes, because neither library does both jobs:
//  - kubernetes-models checks types, formats and required fields (JSON Schema),
//    but lets unknown fields through;
//  - the OpenAPI model metadata shipped in @kubernetes/client-node (its API
//    version: modelsKubernetesVersion()) lists every field of every type, so a
//    walk over it rejects unknown ones (a typo such as `readinessprobe` or a
//    field at the wrong level).
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as models from "@kubernetes/client-node/dist/gen/models/all.js";

// Kubernetes minor ("1.36") the client-node models were generated from: the
// newest "OpenAPI spec version" their files name (unchanged files keep older ones).
export function modelsKubernetesVersion() {
  const dir = dirname(createRequire(import.meta.url).resolve("@kubernetes/client-node/dist/gen/models/all.js"));
  let newest = [0, 0];
  for (const f of readdirSync(dir).filter((n) => n.endsWith(".d.ts"))) {
    const m = readFileSync(join(dir, f), "utf8").match(/OpenAPI spec version: (?:release-|v)(\d+)\.(\d+)/);
    if (m && (Number(m[1]) > newest[0] || (Number(m[1]) === newest[0] && Number(m[2]) > newest[1]))) newest = [Number(m[1]), Number(m[2])];
  }
  return newest.join(".");
}

const PRIMITIVE = new Set(["string", "number", "boolean", "Date", "any", "object", "IntOrString"]);

// "apps/v1" + "Deployment" -> "V1Deployment"; "autoscaling/v2" -> "V2..."
export function modelName(apiVersion, kind) {
  const version = apiVersion.split("/").pop();
  return version.charAt(0).toUpperCase() + version.slice(1) + kind;
}

// kubernetes-models module of an apiVersion: "v1" -> "kubernetes-models/v1"
async function typedModel(apiVersion, kind) {
  try {
    const mod = await import(`kubernetes-models/${apiVersion}`);
    return mod[kind];
  } catch {
    return undefined;
  }
}

function walk(value, type, path, errors) {
  if (value === null || value === undefined || PRIMITIVE.has(type)) return;
  if (type.startsWith("Array<")) {
    if (!Array.isArray(value)) return errors.push(`${path}: expected a list`);
    const inner = type.slice("Array<".length, -1);
    value.forEach((item, i) => walk(item, inner, `${path}[${i}]`, errors));
    return;
  }
  if (type.startsWith("{ [key: string]: ")) {
    const inner = type.slice("{ [key: string]: ".length, -"; }".length);
    for (const [k, v] of Object.entries(value)) walk(v, inner, `${path}.${k}`, errors);
    return;
  }
  const model = models[type];
  if (!model || typeof model.getAttributeTypeMap !== "function") return; // enum-like string types
  if (typeof value !== "object" || Array.isArray(value)) return errors.push(`${path}: expected an object`);
  const fields = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  for (const [k, v] of Object.entries(value)) {
    if (!fields.has(k)) errors.push(`${path}.${k}: unknown field`);
    else walk(v, fields.get(k), `${path}.${k}`, errors);
  }
}

// Custom resources have no offline schema in either library: their fields,
// from the CRDs of the controllers the chart relies on.
const CRDS = {
  // AWS Load Balancer Controller v2.x, config/crd/bases/elbv2.k8s.aws_targetgroupbindings.yaml
  "elbv2.k8s.aws/v1beta1 TargetGroupBinding": {
    spec: { required: ["serviceRef", "targetGroupARN"],
      fields: ["ipAddressType", "networking", "nodeSelector", "serviceRef", "targetGroupARN", "targetType"] },
    "spec.serviceRef": { required: ["name", "port"], fields: ["name", "port"] },
    enums: { "spec.targetType": ["instance", "ip"], "spec.ipAddressType": ["ipv4", "ipv6"] },
  },
};

// The Prometheus Operator's kinds: types by @kubernetes-models/prometheus-operator
// (generated from its CRDs; it lets unknown fields through), and the fields
// the chart may use, from the CRDs (monitoring.coreos.com_podmonitors.yaml,
// monitoring.coreos.com_prometheusrules.yaml), checked here.
const MONITORING_FIELDS = {
  PodMonitor: {
    spec: ["selector", "podMetricsEndpoints", "namespaceSelector", "jobLabel", "podTargetLabels", "sampleLimit"],
    "spec.podMetricsEndpoints[]": ["port", "portNumber", "path", "interval", "scrapeTimeout", "scheme", "honorLabels",
      "metricRelabelings", "relabelings"],
  },
  PrometheusRule: {
    spec: ["groups"],
    "spec.groups[]": ["name", "rules", "interval", "limit", "labels", "query_offset", "partial_response_strategy"],
    "spec.groups[].rules[]": ["alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations"],
  },
};

async function validateMonitoring(doc) {
  const errors = [];
  const fields = MONITORING_FIELDS[doc.kind];
  if (!fields) return [`${doc.apiVersion} ${doc.kind}: not a kind the chart should make`];
  const { [doc.kind]: Model } = await import("@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1");
  try {
    new Model(doc).validate();
  } catch (e) {
    errors.push(`${doc.kind}: ${e.message}`);
  }
  for (const k of Object.keys(doc)) if (!["apiVersion", "kind", "metadata", "spec"].includes(k)) errors.push(`${doc.kind}.${k}: unknown field`);
  walk(doc.metadata, "V1ObjectMeta", `${doc.kind}.metadata`, errors);
  // "a.b[].c" -> every object at that path.
  const nodes = (path) => path.split(".").reduce((objs, part) => {
    const list = part.endsWith("[]");
    const next = objs.map((o) => o?.[list ? part.slice(0, -2) : part]).filter((v) => v !== undefined);
    return list ? next.flat() : next;
  }, [doc]);
  for (const [path, allowed] of Object.entries(fields)) {
    for (const node of nodes(path)) for (const k of Object.keys(node ?? {})) if (!allowed.includes(k)) errors.push(`${doc.kind}.${path}.${k}: unknown field`);
  }
  return errors;
}

function validateCustom(doc, crd) {
  const errors = [];
  const at = (path) => path.split(".").reduce((o, k) => o?.[k], doc);
  for (const k of Object.keys(doc)) if (!["apiVersion", "kind", "metadata", "spec"].includes(k)) errors.push(`${doc.kind}.${k}: unknown field`);
  walk(doc.metadata, "V1ObjectMeta", `${doc.kind}.metadata`, errors);
  for (const [path, rule] of Object.entries(crd)) {
    if (path === "enums") continue;
    const node = at(path);
    if (node === undefined) { errors.push(`${doc.kind}.${path}: missing`); continue; }
    for (const k of rule.required) if (node[k] === undefined || node[k] === "") errors.push(`${doc.kind}.${path}.${k}: required`);
    for (const k of Object.keys(node)) if (!rule.fields.includes(k)) errors.push(`${doc.kind}.${path}.${k}: unknown field`);
  }
  for (const [path, allowed] of Object.entries(crd.enums)) {
    const v = at(path);
    if (v !== undefined && !allowed.includes(v)) errors.push(`${doc.kind}.${path}: ${v} is not one of ${allowed.join(", ")}`);
  }
  return errors;
}

// Returns a list of error strings for one manifest (empty when valid).
export async function validateManifest(doc) {
  const errors = [];
  const { apiVersion, kind } = doc ?? {};
  if (typeof apiVersion !== "string" || typeof kind !== "string") return ["manifest has no apiVersion/kind"];
  const crd = CRDS[`${apiVersion} ${kind}`];
  if (crd) return validateCustom(doc, crd);
  if (apiVersion === "monitoring.coreos.com/v1") return validateMonitoring(doc);
  const name = modelName(apiVersion, kind);
  if (!models[name]) return [`${apiVersion} ${kind}: no offline schema (unknown or CRD kind)`];
  walk(doc, name, kind, errors);
  const Typed = await typedModel(apiVersion, kind);
  if (!Typed) {
    errors.push(`${apiVersion} ${kind}: not in kubernetes-models`);
  } else {
    try {
      new Typed(doc).validate();
    } catch (e) {
      errors.push(`${kind}: ${e.message}`);
    }
  }
  return errors;
}
