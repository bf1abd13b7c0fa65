// Rules on pod templates: restricted security, resources, probes, Spot-safe
// termination and spreading, On-Demand placement of critical pods, images and
// the image's environment contract. Each returns a list of violations.
import { byKind, component, containersOf, labelsMatch, name, podTemplates, quantity } from "./manifests.mjs";

const SPOT_NOTICE_SECONDS = 120;
const CAPACITY_LABEL = "eks.amazonaws.com/capacityType";
const RESTRICTED_VOLUMES = new Set(["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
  "persistentVolumeClaim", "projected", "secret"]);

export function podSecurity(docs) {
  const v = [];
  for (const pod of podTemplates(docs)) {
    const s = pod.spec, psc = s.securityContext ?? {};
    if (s.hostNetwork || s.hostPID || s.hostIPC) v.push(`${pod.where}: uses host namespaces`);
    for (const vol of s.volumes ?? []) {
      const type = Object.keys(vol).find((k) => k !== "name");
      if (!RESTRICTED_VOLUMES.has(type)) v.push(`${pod.where}: volume ${vol.name} of type ${type} is not allowed`);
    }
    for (const c of containersOf(s)) {
      const csc = c.securityContext ?? {};
      const at = `${pod.where} container ${c.name}`;
      if (!(csc.runAsNonRoot ?? psc.runAsNonRoot)) v.push(`${at}: runAsNonRoot is not true`);
      if ((csc.runAsUser ?? psc.runAsUser) === 0) v.push(`${at}: runs as uid 0`);
      if (csc.allowPrivilegeEscalation !== false) v.push(`${at}: allowPrivilegeEscalation is not false`);
      if (csc.privileged) v.push(`${at}: privileged`);
      if (!(csc.capabilities?.drop ?? []).includes("ALL")) v.push(`${at}: capabilities do not drop ALL`);
      for (const add of csc.capabilities?.add ?? []) {
        if (add !== "NET_BIND_SERVICE") v.push(`${at}: adds capability ${add}`);
      }
      if ((csc.seccompProfile ?? psc.seccompProfile)?.type !== "RuntimeDefault") v.push(`${at}: seccomp is not RuntimeDefault`);
      if (csc.readOnlyRootFilesystem !== true) v.push(`${at}: root filesystem is writable`);
      for (const p of c.ports ?? []) if (p.hostPort) v.push(`${at}: hostPort ${p.hostPort}`);
    }
  }
  return v;
}

export function serviceAccountTokens(docs) {
  const v = [];
  for (const pod of podTemplates(docs)) {
    if (pod.spec.automountServiceAccountToken !== false) v.push(`${pod.where}: mounts a service account token`);
  }
  for (const sa of byKind(docs, "ServiceAccount")) {
    if (sa.automountServiceAccountToken !== false) v.push(`${name(sa)}: automountServiceAccountToken is not false`);
  }
  return v;
}

export function resources(docs) {
  const v = [];
  for (const pod of podTemplates(docs)) {
    for (const c of containersOf(pod.spec)) {
      const r = c.resources ?? {}, at = `${pod.where} container ${c.name}`;
      for (const k of ["cpu", "memory"]) if (!r.requests?.[k]) v.push(`${at}: no ${k} request`);
      if (!r.limits?.memory) v.push(`${at}: no memory limit`);
      else if (quantity(r.limits.memory) < quantity(r.requests?.memory ?? 0)) v.push(`${at}: memory limit below request`);
    }
  }
  return v;
}

// Web pods: all three probes; the startup probe gives a first start on EFS at
// least 5 minutes; liveness is cheap and not the readiness check.
export function probes(docs) {
  const v = [];
  const web = podTemplates(docs).filter((p) => component(p) === "web");
  if (web.length === 0) v.push("no web pod template found");
  for (const pod of web) {
    for (const c of pod.spec.containers ?? []) {
      const at = `${pod.where} container ${c.name}`;
      for (const p of ["startupProbe", "readinessProbe", "livenessProbe"]) if (!c[p]) v.push(`${at}: no ${p}`);
      const budget = (p) => (p?.failureThreshold ?? 3) * (p?.periodSeconds ?? 10);
      if (c.startupProbe && budget(c.startupProbe) < 300) {
        v.push(`${at}: startupProbe allows ${budget(c.startupProbe)} s, less than 300 s for a first start on EFS`);
      }
      if (c.livenessProbe && budget(c.livenessProbe) < 30) v.push(`${at}: livenessProbe restarts within ${budget(c.livenessProbe)} s`);
      for (const p of ["readinessProbe", "livenessProbe"]) {
        if (c[p] && (c[p].timeoutSeconds ?? 1) < 2) v.push(`${at}: ${p} timeout under 2 s (EFS and database latency)`);
      }
      const path = (p) => p?.httpGet?.path;
      if (c.livenessProbe && c.readinessProbe && path(c.livenessProbe) === path(c.readinessProbe)) {
        v.push(`${at}: liveness and readiness share ${path(c.livenessProbe)}; a database outage would restart every pod`);
      }
    }
  }
  return v;
}

// Every pod must finish inside the 2-minute Spot notice, and web pods keep
// serving (preStop) until the load balancer has deregistered them.
export function gracefulTermination(docs) {
  const v = [];
  for (const pod of podTemplates(docs)) {
    if (component(pod) === "test") continue;
    const grace = pod.spec.terminationGracePeriodSeconds ?? 30;
    if (grace >= SPOT_NOTICE_SECONDS) v.push(`${pod.where}: terminationGracePeriodSeconds ${grace} does not fit the ${SPOT_NOTICE_SECONDS} s Spot notice`);
    if (component(pod) !== "web") continue;
    for (const c of pod.spec.containers ?? []) {
      const pre = c.lifecycle?.preStop;
      if (!pre) { v.push(`${pod.where} container ${c.name}: no preStop hook`); continue; }
      const sleep = pre.sleep?.seconds ?? 0;
      if (sleep >= grace) v.push(`${pod.where}: preStop sleep ${sleep} s leaves no time to stop inside ${grace} s`);
    }
    for (const ing of byKind(docs, "Ingress")) {
      const attrs = ing.metadata?.annotations?.["alb.ingress.kubernetes.io/target-group-attributes"] ?? "";
      const delay = Number((attrs.match(/deregistration_delay\.timeout_seconds=(\d+)/) ?? [])[1] ?? 300);
      if (delay >= grace) v.push(`${name(ing)}: deregistration delay ${delay} s is not below the grace period ${grace} s`);
    }
  }
  return v;
}

export function spread(docs) {
  const v = [];
  for (const pod of podTemplates(docs).filter((p) => component(p) === "web")) {
    const keys = new Set();
    for (const t of pod.spec.topologySpreadConstraints ?? []) {
      if (!labelsMatch(t.labelSelector?.matchLabels, pod.labels)) v.push(`${pod.where}: spread on ${t.topologyKey} does not select its own pods`);
      keys.add(t.topologyKey);
    }
    for (const t of pod.spec.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) {
      keys.add(t.podAffinityTerm?.topologyKey);
    }
    for (const k of ["topology.kubernetes.io/zone", "node.kubernetes.io/instance-type", "kubernetes.io/hostname"]) {
      if (!keys.has(k)) v.push(`${pod.where}: not spread across ${k}`);
    }
    // Node groups span several AZs (the CDK app's do): Cluster Autoscaler
    // cannot choose the zone of a node it adds, so a hard zone constraint can
    // leave a pod Pending while the autoscaler keeps adding nodes elsewhere.
    for (const t of pod.spec.topologySpreadConstraints ?? []) {
      if (t.topologyKey === "topology.kubernetes.io/zone" && t.whenUnsatisfiable !== "ScheduleAnyway") {
        v.push(`${pod.where}: zone spread is ${t.whenUnsatisfiable}; with multi-AZ node groups it must be ScheduleAnyway`);
      }
    }
  }
  return v;
}

// Cron and the install job must land on On-Demand nodes (required affinity).
export function onDemandPlacement(docs) {
  const v = [];
  const critical = podTemplates(docs).filter((p) => ["cron", "install"].includes(component(p)));
  if (critical.length === 0) v.push("no cron or install pod template found");
  for (const pod of critical) {
    const terms = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
    const onDemand = terms.length > 0 && terms.every((t) => (t.matchExpressions ?? []).some((e) =>
      e.key === CAPACITY_LABEL && e.operator === "In" && e.values.length === 1 && e.values[0] === "ON_DEMAND"));
    const bySelector = pod.spec.nodeSelector?.[CAPACITY_LABEL] === "ON_DEMAND";
    if (!onDemand && !bySelector) v.push(`${pod.where}: not pinned to ${CAPACITY_LABEL}=ON_DEMAND`);
  }
  return v;
}

export function images(docs) {
  const v = [];
  for (const pod of podTemplates(docs)) {
    for (const c of containersOf(pod.spec)) {
      if (!c.image || /:latest$/.test(c.image) || !/[:@]/.test(c.image)) v.push(`${pod.where}: image ${c.image} is not pinned`);
    }
  }
  return v;
}

// Environment contract of the moodlecache/moodle image (docker/).
const IMAGE_ENV = new Set(["MOODLE_WWWROOT", "MOODLE_DB_TYPE", "MOODLE_DB_HOST", "MOODLE_DB_PORT", "MOODLE_DB_NAME",
  "MOODLE_DB_USER", "MOODLE_DB_PASSWORD_FILE", "MOODLE_ADMIN_USER", "MOODLE_ADMIN_PASSWORD_FILE", "MOODLE_ADMIN_EMAIL",
  "MOODLE_SITE_NAME", "MOODLE_REDIS_HOST", "MOODLE_REDIS_PORT", "MOODLE_REDIS_TLS", "MOODLE_REDIS_PASSWORD_FILE",
  "MOODLE_SSLPROXY", "MOODLE_REVERSEPROXY", "MOODLE_DATAROOT", "MOODLE_LOCALCACHEDIR", "MOODLE_LOCK_FACTORY",
  "MOODLE_HTTP_PORT", "PHP_FPM_MAX_CHILDREN", "MOODLE_S3_BUCKET", "MOODLE_S3_REGION", "MOODLE_S3_ENDPOINT",
  "MOODLE_OBJECTFS_DELETE_LOCAL", "MOODLE_OBJECTFS_SIZE_THRESHOLD", "MOODLE_OBJECTFS_MINIMUM_AGE",
  "MOODLE_OBJECTFS_CONSISTENCY_DELAY", "MOODLE_NEAR_CACHE", "MOODLE_NEAR_CACHE_SIZE",
  "MOODLE_METRICS", "MOODLE_METRICS_PORT", "MOODLE_NGINX_METRICS_PORT"]);
const REQUIRED_ENV = ["MOODLE_WWWROOT", "MOODLE_DB_TYPE", "MOODLE_DB_HOST", "MOODLE_DB_NAME", "MOODLE_DB_USER",
  "MOODLE_DB_PASSWORD_FILE", "MOODLE_DATAROOT", "MOODLE_LOCALCACHEDIR"];

// The environment a container gets: its env over the ConfigMaps it reads.
function containerEnv(docs, c) {
  const configMaps = new Map(byKind(docs, "ConfigMap").map((m) => [m.metadata.name, m.data ?? {}]));
  const env = new Map();
  for (const ref of c.envFrom ?? []) for (const [k, val] of Object.entries(configMaps.get(ref.configMapRef?.name) ?? {})) env.set(k, val);
  for (const e of c.env ?? []) if (e.value !== undefined) env.set(e.name, e.value);
  return env;
}

// The near cache is shared memory of the pod (it counts against the memory
// limit as it fills): a web container's memory request must hold it plus
// 256 MiB, its limit it plus ~80 MiB per PHP-FPM worker.
const WORKER_MIB = 80;
export function nearCacheMemory(docs) {
  const v = [];
  const bytes = (size) => {
    const m = /^([0-9]+)([KMG]?)$/.exec(size ?? "");
    return m ? Number(m[1]) * { "": 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30 }[m[2]] : NaN;
  };
  for (const pod of podTemplates(docs).filter((p) => component(p) === "web")) {
    for (const c of pod.spec.containers ?? []) {
      const env = containerEnv(docs, c), at = `${pod.where} container ${c.name}`;
      if (!env.has("MOODLE_REDIS_HOST")) continue;
      if (!env.has("MOODLE_NEAR_CACHE") || !env.has("MOODLE_NEAR_CACHE_SIZE")) {
        v.push(`${at}: MOODLE_NEAR_CACHE and MOODLE_NEAR_CACHE_SIZE not set explicitly`);
        continue;
      }
      const near = env.get("MOODLE_NEAR_CACHE") === "true" ? bytes(env.get("MOODLE_NEAR_CACHE_SIZE")) : 0;
      if (Number.isNaN(near)) { v.push(`${at}: MOODLE_NEAR_CACHE_SIZE ${env.get("MOODLE_NEAR_CACHE_SIZE")} is not a size the image takes`); continue; }
      const workers = Number(env.get("PHP_FPM_MAX_CHILDREN") ?? 16);
      const request = quantity(c.resources?.requests?.memory), limit = quantity(c.resources?.limits?.memory);
      if (!(request >= near + 256 * 2 ** 20)) v.push(`${at}: memory request ${c.resources?.requests?.memory} does not hold the near cache (${env.get("MOODLE_NEAR_CACHE_SIZE")}) + 256Mi`);
      if (!(limit >= near + workers * WORKER_MIB * 2 ** 20)) {
        v.push(`${at}: memory limit ${c.resources?.limits?.memory} does not hold the near cache (${env.get("MOODLE_NEAR_CACHE_SIZE")}) + ${workers} PHP-FPM workers x ${WORKER_MIB}Mi`);
      }
    }
  }
  return v;
}

// Every Moodle container gets the settings it needs under the image's names,
// and each *_FILE points at a file of a mounted Secret.
export function imageEnv(docs) {
  const v = [];
  const configMaps = new Map(byKind(docs, "ConfigMap").map((c) => [c.metadata.name, c.data ?? {}]));
  for (const pod of podTemplates(docs).filter((p) => component(p) !== "test")) {
    for (const c of pod.spec.containers ?? []) {
      const at = `${pod.where} container ${c.name}`;
      const env = new Map((c.env ?? []).map((e) => [e.name, e.value]));
      for (const ref of c.envFrom ?? []) {
        const data = configMaps.get(ref.configMapRef?.name);
        if (!data) v.push(`${at}: envFrom names ConfigMap ${ref.configMapRef?.name}, not in the release`);
        for (const [k, val] of Object.entries(data ?? {})) if (!env.has(k)) env.set(k, val);
      }
      for (const k of env.keys()) if (/^(MOODLE|PHP_FPM)_/.test(k) && !IMAGE_ENV.has(k)) v.push(`${at}: ${k} is not a variable the image reads`);
      const required = [...REQUIRED_ENV, ...(component(pod) === "install" ? ["MOODLE_ADMIN_PASSWORD_FILE"] : [])];
      for (const k of required) if (!env.get(k)) v.push(`${at}: ${k} is not set`);
      for (const [k, file] of env) {
        if (!k.endsWith("_FILE")) continue;
        const mount = (c.volumeMounts ?? []).find((m) => file.startsWith(`${m.mountPath}/`));
        const vol = (pod.spec.volumes ?? []).find((x) => x.name === mount?.name);
        const item = file.slice((mount?.mountPath ?? "").length + 1);
        if (!vol?.secret || !(vol.secret.items ?? []).some((i) => i.path === item)) v.push(`${at}: ${k}=${file} is no file of a mounted Secret`);
      }
    }
  }
  return v;
}
