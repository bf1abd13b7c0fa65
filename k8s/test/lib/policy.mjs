// Policy rules over the chart's rendered manifests. Each rule returns a list
// of violations (strings); an empty list is a pass. The rules encode the
// deployment's requirements: restricted pod security, probes fit for a first
// start on EFS, Spot resilience, On-Demand placement of critical pods, no
// deprecated APIs, and no secret values outside Secrets.

const SPOT_NOTICE_SECONDS = 120;
const CAPACITY_LABEL = "eks.amazonaws.com/capacityType";

// apiVersions removed or deprecated by Kubernetes 1.22-1.34.
const DEPRECATED_APIS = new Set([
  "extensions/v1beta1", "apps/v1beta1", "apps/v1beta2", "networking.k8s.io/v1beta1",
  "policy/v1beta1", "autoscaling/v1", "autoscaling/v2beta1", "autoscaling/v2beta2",
  "batch/v1beta1", "storage.k8s.io/v1beta1", "rbac.authorization.k8s.io/v1beta1",
  "scheduling.k8s.io/v1beta1", "discovery.k8s.io/v1beta1", "flowcontrol.apiserver.k8s.io/v1beta3",
]);
// Annotations and node labels that are deprecated or ignored by current controllers.
const DEPRECATED_KEYS = [
  "kubernetes.io/ingress.class", // replaced by spec.ingressClassName
  "alb.ingress.kubernetes.io/waf-acl-id", "alb.ingress.kubernetes.io/web-acl-id", // WAF Classic
  "seccomp.security.alpha.kubernetes.io/", "container.seccomp.security.alpha.kubernetes.io/",
  "container.apparmor.security.beta.kubernetes.io/", "scheduler.alpha.kubernetes.io/critical-pod",
  "volume.beta.kubernetes.io/storage-class", "service.alpha.kubernetes.io/tolerate-unready-endpoints",
  "failure-domain.beta.kubernetes.io/", "beta.kubernetes.io/instance-type", "beta.kubernetes.io/os",
  "beta.kubernetes.io/arch",
];
const RESTRICTED_VOLUMES = new Set(["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
  "persistentVolumeClaim", "projected", "secret"]);

const byKind = (docs, kind) => docs.filter((d) => d.kind === kind);
const name = (d) => `${d.kind}/${d.metadata?.name}`;
const labelsMatch = (selector = {}, labels = {}) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

// Pod templates of every workload, with their owner's kind and name.
export function podTemplates(docs) {
  const out = [];
  for (const d of docs) {
    if (d.kind === "Deployment" || d.kind === "Job") out.push({ owner: d, tpl: d.spec?.template });
    if (d.kind === "CronJob") out.push({ owner: d, tpl: d.spec?.jobTemplate?.spec?.template });
    if (d.kind === "Pod") out.push({ owner: d, tpl: { metadata: d.metadata, spec: d.spec } });
  }
  return out.map(({ owner, tpl }) => ({ owner, where: name(owner), labels: tpl?.metadata?.labels ?? {},
    annotations: tpl?.metadata?.annotations ?? {}, spec: tpl?.spec ?? {} }));
}
const containersOf = (spec) => [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
const component = (pod) => pod.labels["app.kubernetes.io/component"];

// Kubernetes quantity to a number (bytes or cores).
export function quantity(q) {
  const m = String(q).match(/^([0-9.]+)(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/);
  if (!m) return NaN;
  const mult = { m: 1e-3, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
  return Number(m[1]) * (m[2] ? mult[m[2]] : 1);
}

function podSecurity(docs) {
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

function serviceAccountTokens(docs) {
  const v = [];
  for (const pod of podTemplates(docs)) {
    if (pod.spec.automountServiceAccountToken !== false) v.push(`${pod.where}: mounts a service account token`);
  }
  for (const sa of byKind(docs, "ServiceAccount")) {
    if (sa.automountServiceAccountToken !== false) v.push(`${name(sa)}: automountServiceAccountToken is not false`);
  }
  return v;
}

function resources(docs) {
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
function probes(docs) {
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
function gracefulTermination(docs) {
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

function disruptionBudget(docs) {
  const v = [];
  const deploy = byKind(docs, "Deployment").find((d) => d.metadata?.labels?.["app.kubernetes.io/component"] === "web");
  if (!deploy) return ["no web Deployment"];
  const hpa = byKind(docs, "HorizontalPodAutoscaler").find((h) => h.spec?.scaleTargetRef?.name === deploy.metadata.name);
  const replicas = hpa ? hpa.spec.minReplicas ?? 1 : deploy.spec.replicas ?? 1;
  if (replicas < 2) v.push(`${name(deploy)}: ${replicas} replica(s); one Spot interruption takes the site down`);
  const podLabels = deploy.spec.template.metadata.labels;
  const pdbs = byKind(docs, "PodDisruptionBudget").filter((p) => labelsMatch(p.spec?.selector?.matchLabels, podLabels));
  if (pdbs.length !== 1) return [...v, `expected one PodDisruptionBudget selecting the web pods, found ${pdbs.length}`];
  const pdb = pdbs[0].spec;
  if (pdb.maxUnavailable !== undefined) {
    if (pdb.maxUnavailable === 0 || pdb.maxUnavailable === "0%") v.push("PDB maxUnavailable 0 blocks every node drain");
  } else if (Number.isInteger(pdb.minAvailable) && pdb.minAvailable >= replicas) {
    v.push(`PDB minAvailable ${pdb.minAvailable} >= ${replicas} replicas blocks every node drain`);
  } else if (pdb.minAvailable === undefined) {
    v.push("PDB sets neither minAvailable nor maxUnavailable");
  }
  if (pdb.unhealthyPodEvictionPolicy !== "AlwaysAllow") v.push("PDB lets unready pods block a drain (unhealthyPodEvictionPolicy)");
  return v;
}

function spread(docs) {
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
  }
  return v;
}

// Cron and the install job must land on On-Demand nodes (required affinity).
function onDemandPlacement(docs) {
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

function jobs(docs) {
  const v = [];
  for (const cj of byKind(docs, "CronJob")) {
    if (cj.spec.concurrencyPolicy !== "Forbid") v.push(`${name(cj)}: concurrencyPolicy is not Forbid`);
  }
  for (const job of byKind(docs, "Job")) {
    const hook = job.metadata?.annotations?.["helm.sh/hook"] ?? "";
    if (!hook.includes("post-install") || !/(pre|post)-upgrade/.test(hook)) v.push(`${name(job)}: not an install/upgrade Helm hook`);
  }
  return v;
}

function deprecations(docs, { text = "" } = {}) {
  const v = [];
  for (const d of docs) if (DEPRECATED_APIS.has(d.apiVersion)) v.push(`${name(d)}: deprecated apiVersion ${d.apiVersion}`);
  for (const k of DEPRECATED_KEYS) if (text.includes(k)) v.push(`deprecated annotation or label ${k}`);
  return v;
}

// No Secret value may appear outside a Secret (ConfigMaps, env values,
// annotations, args), and secret-looking settings must be *_FILE paths.
function secretHygiene(docs, { secrets: extraSecrets = [] } = {}) {
  const v = [];
  const values = [...extraSecrets];
  for (const s of byKind(docs, "Secret")) {
    for (const b64 of Object.values(s.data ?? {})) values.push(Buffer.from(b64, "base64").toString());
    values.push(...Object.values(s.stringData ?? {}));
  }
  const secrets = values.filter((x) => x && x.length >= 6);
  for (const d of docs.filter((d) => d.kind !== "Secret")) {
    const text = JSON.stringify(d);
    for (const s of secrets) if (text.includes(s)) v.push(`${name(d)}: contains a secret value`);
  }
  const looksSecret = (k) => /PASS|TOKEN|SECRET|AUTH/i.test(k) && !/_FILE$/.test(k);
  for (const cm of byKind(docs, "ConfigMap")) {
    for (const k of Object.keys(cm.data ?? {})) if (looksSecret(k)) v.push(`${name(cm)}: key ${k} looks like a secret`);
  }
  for (const pod of podTemplates(docs)) {
    for (const c of containersOf(pod.spec)) {
      for (const e of c.env ?? []) if (looksSecret(e.name) && e.value !== undefined) v.push(`${pod.where}: env ${e.name} holds a literal value`);
    }
  }
  return v;
}

function ingress(docs) {
  const v = [];
  const webLabels = podTemplates(docs).filter((p) => component(p) === "web").map((p) => p.labels);
  const webProbes = podTemplates(docs).filter((p) => component(p) === "web")
    .flatMap((p) => p.spec.containers ?? []).flatMap((c) => [c.livenessProbe, c.readinessProbe, c.startupProbe])
    .map((p) => p?.httpGet?.path).filter(Boolean);
  for (const ing of byKind(docs, "Ingress")) {
    const a = ing.metadata?.annotations ?? {};
    if (!ing.spec?.ingressClassName) v.push(`${name(ing)}: no spec.ingressClassName`);
    if (a["alb.ingress.kubernetes.io/target-type"] !== "ip") v.push(`${name(ing)}: target-type is not ip`);
    const hc = a["alb.ingress.kubernetes.io/healthcheck-path"];
    if (!webProbes.includes(hc)) v.push(`${name(ing)}: health-check path ${hc} is not a probe path of the web pods`);
    if (a["alb.ingress.kubernetes.io/certificate-arn"]) {
      if (!(a["alb.ingress.kubernetes.io/listen-ports"] ?? "").includes("443")) v.push(`${name(ing)}: certificate but no HTTPS listener`);
      if (a["alb.ingress.kubernetes.io/ssl-redirect"] !== "443") v.push(`${name(ing)}: HTTP is not redirected to HTTPS`);
    }
    for (const rule of ing.spec?.rules ?? []) {
      for (const p of rule.http?.paths ?? []) {
        const svc = byKind(docs, "Service").find((s) => s.metadata.name === p.backend?.service?.name);
        if (!svc) v.push(`${name(ing)}: backend service ${p.backend?.service?.name} is not in the release`);
        else if (!webLabels.some((l) => labelsMatch(svc.spec.selector, l))) v.push(`${name(svc)}: selects no web pods`);
        else if (!(svc.spec.ports ?? []).some((sp) => sp.name === p.backend.service.port?.name || sp.port === p.backend.service.port?.number)) {
          v.push(`${name(ing)}: backend port does not exist on ${name(svc)}`);
        }
      }
    }
  }
  return v;
}

function autoscaling(docs) {
  const v = [];
  for (const h of byKind(docs, "HorizontalPodAutoscaler")) {
    const target = byKind(docs, "Deployment").find((d) => d.metadata.name === h.spec.scaleTargetRef?.name);
    if (!target) v.push(`${name(h)}: scale target not in the release`);
    else if (target.spec.replicas !== undefined) v.push(`${name(target)}: sets replicas while an HPA scales it`);
    if (!(h.spec.metrics ?? []).some((m) => m.resource?.name === "cpu")) v.push(`${name(h)}: no CPU metric`);
    for (const m of h.spec.metrics ?? []) {
      const u = m.resource?.target?.averageUtilization;
      if (u !== undefined && !(u > 0 && u <= 100)) v.push(`${name(h)}: ${m.resource.name} target ${u}% (scales to the maximum at once)`);
    }
  }
  return v;
}

// moodledata on EFS (ReadWriteMany through the EFS CSI driver); local cache on an emptyDir.
function storage(docs, { persistence = true } = {}) {
  const v = [];
  for (const pod of podTemplates(docs).filter((p) => component(p) !== "test")) {
    const vols = new Map((pod.spec.volumes ?? []).map((x) => [x.name, x]));
    const mounts = new Map((pod.spec.containers ?? []).flatMap((c) => c.volumeMounts ?? []).map((m) => [m.mountPath, vols.get(m.name)]));
    const data = mounts.get("/var/moodledata");
    if (!data) v.push(`${pod.where}: /var/moodledata not mounted`);
    else if (persistence && !data.persistentVolumeClaim) v.push(`${pod.where}: moodledata is not a PersistentVolumeClaim`);
    if (!mounts.get("/var/cache/moodle-local")?.emptyDir) v.push(`${pod.where}: local cache dir is not an emptyDir`);
  }
  if (!persistence) return v;
  for (const pvc of byKind(docs, "PersistentVolumeClaim")) {
    if (!(pvc.spec.accessModes ?? []).includes("ReadWriteMany")) v.push(`${name(pvc)}: not ReadWriteMany`);
  }
  for (const sc of byKind(docs, "StorageClass")) {
    if (sc.provisioner !== "efs.csi.aws.com" || sc.parameters?.provisioningMode !== "efs-ap") v.push(`${name(sc)}: not an EFS access-point StorageClass`);
    if (!/^fs-/.test(sc.parameters?.fileSystemId ?? "")) v.push(`${name(sc)}: no EFS file system ID`);
  }
  for (const pv of byKind(docs, "PersistentVolume")) {
    if (pv.spec.csi?.driver !== "efs.csi.aws.com") v.push(`${name(pv)}: not an EFS CSI volume`);
    if (!(pv.spec.accessModes ?? []).includes("ReadWriteMany")) v.push(`${name(pv)}: not ReadWriteMany`);
  }
  if (byKind(docs, "StorageClass").length + byKind(docs, "PersistentVolume").length === 0) v.push("no EFS StorageClass or PersistentVolume");
  return v;
}

function networkPolicy(docs) {
  const pods = podTemplates(docs).filter((p) => component(p) !== "test");
  const nps = byKind(docs, "NetworkPolicy");
  const v = [];
  for (const pod of pods) {
    const np = nps.find((n) => labelsMatch(n.spec?.podSelector?.matchLabels, pod.labels));
    if (!np) v.push(`${pod.where}: no NetworkPolicy selects it`);
    else if (!["Ingress", "Egress"].every((t) => np.spec.policyTypes?.includes(t))) v.push(`${name(np)}: not both Ingress and Egress`);
  }
  return v;
}

function images(docs) {
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
  "MOODLE_HTTP_PORT", "PHP_FPM_MAX_CHILDREN"]);
const REQUIRED_ENV = ["MOODLE_WWWROOT", "MOODLE_DB_TYPE", "MOODLE_DB_HOST", "MOODLE_DB_NAME", "MOODLE_DB_USER",
  "MOODLE_DB_PASSWORD_FILE", "MOODLE_DATAROOT", "MOODLE_LOCALCACHEDIR"];

// Every Moodle container gets the settings it needs under the image's names,
// and each *_FILE points at a file of a mounted Secret.
function imageEnv(docs) {
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

function helmTest(docs) {
  const ok = docs.some((d) => d.kind === "Pod" && (d.metadata?.annotations?.["helm.sh/hook"] ?? "").split(",").includes("test"));
  return ok ? [] : ["no Pod with the helm.sh/hook: test annotation"];
}

// Name -> rule. The runner reports each as one PASS/FAIL line per value set.
export const RULES = {
  "pod security (restricted)": podSecurity,
  "no service account token": serviceAccountTokens,
  "resources": resources,
  "probes": probes,
  "graceful termination within the Spot notice": gracefulTermination,
  "pod disruption budget": disruptionBudget,
  "spread across zones, instance types, hosts": spread,
  "cron and install job on On-Demand": onDemandPlacement,
  "cron Forbid, install hook": jobs,
  "no deprecated APIs or annotations": deprecations,
  "no secret values outside Secrets": secretHygiene,
  "ALB ingress": ingress,
  "HPA autoscaling/v2": autoscaling,
  "moodledata on EFS": storage,
  "network policy": networkPolicy,
  "pinned images": images,
  "image environment contract": imageEnv,
  "helm test hook": helmTest,
};

// ctx: { text: the raw YAML, secrets: extra strings that must not appear,
// persistence: whether moodledata should be on a claim }
export function runRules(docs, ctx = {}) {
  return Object.entries(RULES).map(([rule, fn]) => ({ rule, violations: fn(docs, ctx) }));
}
