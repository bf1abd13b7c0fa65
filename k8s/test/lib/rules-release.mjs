// Rules on the release as a whole: disruption budget, jobs, deprecations,
// secrets, ingress, autoscaling, storage, network policy, helm test.
import { byKind, component, containersOf, labelsMatch, name, podTemplates } from "./manifests.mjs";

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

// The web Deployment, its least replica count (HPA minimum or fixed) and the
// PDBs that select its pods.
function webBudget(docs) {
  const deploy = byKind(docs, "Deployment").find((d) => d.metadata?.labels?.["app.kubernetes.io/component"] === "web");
  if (!deploy) return {};
  const hpa = byKind(docs, "HorizontalPodAutoscaler").find((h) => h.spec?.scaleTargetRef?.name === deploy.metadata.name);
  const replicas = hpa ? hpa.spec.minReplicas ?? 1 : deploy.spec.replicas ?? 1;
  const podLabels = deploy.spec.template.metadata.labels;
  const pdbs = byKind(docs, "PodDisruptionBudget").filter((p) => labelsMatch(p.spec?.selector?.matchLabels, podLabels));
  return { deploy, replicas, pdbs };
}

// Pods a PDB lets go at once out of `replicas`, as Kubernetes computes it
// (percentages round up, for minAvailable and maxUnavailable alike).
export function allowedDisruptions(pdb, replicas) {
  const count = (x) => (typeof x === "string" && x.endsWith("%") ? Math.ceil((replicas * parseInt(x, 10)) / 100) : Number(x));
  if (pdb.maxUnavailable !== undefined) return count(pdb.maxUnavailable);
  if (pdb.minAvailable !== undefined) return replicas - count(pdb.minAvailable);
  return replicas; // a PDB with neither limits nothing
}

// One PDB over enough web replicas that a Spot interruption leaves some.
export function disruptionBudget(docs) {
  const { deploy, replicas, pdbs } = webBudget(docs);
  if (!deploy) return ["no web Deployment"];
  const v = [];
  if (replicas < 2) v.push(`${name(deploy)}: ${replicas} replica(s); one Spot interruption takes the site down`);
  if (pdbs.length !== 1) return [...v, `expected one PodDisruptionBudget selecting the web pods, found ${pdbs.length}`];
  const pdb = pdbs[0].spec;
  if (pdb.minAvailable === undefined && pdb.maxUnavailable === undefined) v.push("PDB sets neither minAvailable nor maxUnavailable");
  if (pdb.unhealthyPodEvictionPolicy !== "AlwaysAllow") v.push("PDB lets unready pods block a drain (unhealthyPodEvictionPolicy)");
  return v;
}

// Node drains and scale-down at the least replica count: each PDB over the
// web pods must let at least one go.
export function drainable(docs) {
  const { deploy, replicas, pdbs = [] } = webBudget(docs);
  if (!deploy) return ["no web Deployment"];
  return pdbs.filter((p) => !(allowedDisruptions(p.spec, replicas) >= 1))
    .map((p) => `${name(p)} allows ${allowedDisruptions(p.spec, replicas)} disruptions of ${replicas} web replica(s): it blocks every node drain`);
}

export function jobs(docs) {
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

// A pre-upgrade hook runs before Helm applies the release's new ConfigMaps
// and Secrets: the install Job must read no ConfigMap or Secret the release
// makes as an ordinary resource (it would get the old one), only hook
// resources made before it (lower weight) or a Secret the release does not
// make (secrets.existingSecret); and it must carry the settings the web
// pods get.
export function hookConfiguration(docs) {
  const v = [];
  const hooks = (d) => d.metadata?.annotations?.["helm.sh/hook"] ?? "";
  const weight = (d) => Number(d.metadata?.annotations?.["helm.sh/hook-weight"] ?? 0);
  const made = (kind, n) => docs.find((d) => d.kind === kind && d.metadata?.name === n);
  const webEnv = byKind(docs, "ConfigMap").find((c) => c.metadata.name.endsWith("-env"))?.data ?? {};
  for (const job of byKind(docs, "Job").filter((j) => hooks(j).includes("pre-upgrade"))) {
    const spec = job.spec?.template?.spec ?? {};
    const refs = [];
    for (const c of containersOf(spec)) {
      for (const f of c.envFrom ?? []) {
        if (f.configMapRef) refs.push(["ConfigMap", f.configMapRef.name]);
        if (f.secretRef) refs.push(["Secret", f.secretRef.name]);
      }
      for (const e of c.env ?? []) {
        if (e.valueFrom?.configMapKeyRef) refs.push(["ConfigMap", e.valueFrom.configMapKeyRef.name]);
        if (e.valueFrom?.secretKeyRef) refs.push(["Secret", e.valueFrom.secretKeyRef.name]);
      }
      const env = new Map((c.env ?? []).map((e) => [e.name, e.value]));
      for (const [k, val] of Object.entries(webEnv)) {
        if (env.get(k) !== val) v.push(`${name(job)} container ${c.name}: ${k} is ${JSON.stringify(env.get(k))}, the web pods get ${JSON.stringify(val)}`);
      }
    }
    for (const vol of spec.volumes ?? []) {
      if (vol.configMap) refs.push(["ConfigMap", vol.configMap.name]);
      if (vol.secret) refs.push(["Secret", vol.secret.secretName]);
      for (const src of vol.projected?.sources ?? []) {
        if (src.configMap) refs.push(["ConfigMap", src.configMap.name]);
        if (src.secret) refs.push(["Secret", src.secret.name]);
      }
    }
    for (const [kind, n] of refs) {
      const d = made(kind, n);
      if (!d) {
        if (kind === "ConfigMap") v.push(`${name(job)}: reads ConfigMap ${n}, which the release does not make`);
      } else if (!hooks(d).includes("pre-upgrade") || weight(d) >= weight(job)) {
        v.push(`${name(job)}: reads ${kind}/${n}, which a pre-upgrade hook sees before Helm applies it (the old settings)`);
      }
    }
  }
  return v;
}

// Metrics: the web pods serve them on ports of their own, scraped one way
// (a PodMonitor when the Operator's CRDs exist, else the scrape annotations),
// admitted by the NetworkPolicy, and never behind the Service, Ingress or
// target group (the site's traffic only).
export function metricsScraping(docs) {
  const v = [];
  const web = podTemplates(docs).filter((p) => component(p) === "web");
  for (const pod of web) {
    const c = pod.spec.containers?.[0] ?? {};
    const ports = new Map((c.ports ?? []).map((p) => [p.name, p.containerPort]));
    const env = new Map((c.env ?? []).map((e) => [e.name, e.value]));
    if (env.get("MOODLE_METRICS") === "false") continue;
    if (!ports.has("metrics") || !ports.has("metrics-nginx")) { v.push(`${pod.where}: no metrics and metrics-nginx container ports`); continue; }
    if (String(ports.get("metrics")) !== env.get("MOODLE_METRICS_PORT")) v.push(`${pod.where}: port metrics is not MOODLE_METRICS_PORT`);
    if (String(ports.get("metrics-nginx")) !== env.get("MOODLE_NGINX_METRICS_PORT")) v.push(`${pod.where}: port metrics-nginx is not MOODLE_NGINX_METRICS_PORT`);
    const monitors = byKind(docs, "PodMonitor").filter((m) => labelsMatch(m.spec?.selector?.matchLabels, pod.labels));
    const annotated = pod.annotations["prometheus.io/scrape"] === "true";
    if (monitors.length === 0 && !annotated) v.push(`${pod.where}: neither a PodMonitor nor scrape annotations`);
    if (monitors.length > 0 && annotated) v.push(`${pod.where}: scraped twice (PodMonitor and annotations)`);
    for (const m of monitors) {
      const endpoints = (m.spec.podMetricsEndpoints ?? []).map((e) => e.port);
      for (const want of ["metrics", "metrics-nginx"]) if (!endpoints.includes(want)) v.push(`${name(m)}: does not scrape port ${want}`);
      for (const e of endpoints) if (!ports.has(e)) v.push(`${name(m)}: scrapes port ${e}, which the web pods lack`);
    }
    if (annotated && pod.annotations["prometheus.io/port"] !== String(ports.get("metrics"))) {
      v.push(`${pod.where}: prometheus.io/port ${pod.annotations["prometheus.io/port"]} is not the metrics port ${ports.get("metrics")}`);
    }
    const metricsPorts = new Set(["metrics", "metrics-nginx", ports.get("metrics"), ports.get("metrics-nginx")]);
    for (const svc of byKind(docs, "Service")) {
      for (const p of svc.spec?.ports ?? []) if (metricsPorts.has(p.targetPort) || metricsPorts.has(p.port)) v.push(`${name(svc)}: routes a metrics port`);
    }
    for (const np of byKind(docs, "NetworkPolicy")) {
      const admitted = (np.spec?.ingress ?? []).flatMap((r) => (r.ports ?? []).map((p) => p.port));
      for (const want of ["metrics", "metrics-nginx"]) if (!admitted.includes(want)) v.push(`${name(np)}: does not admit port ${want}`);
    }
  }
  return v;
}

export function deprecations(docs, { text = "" } = {}) {
  const v = [];
  for (const d of docs) if (DEPRECATED_APIS.has(d.apiVersion)) v.push(`${name(d)}: deprecated apiVersion ${d.apiVersion}`);
  for (const k of DEPRECATED_KEYS) if (text.includes(k)) v.push(`deprecated annotation or label ${k}`);
  return v;
}

// No Secret value may appear outside a Secret (ConfigMaps, env values,
// annotations, args), and secret-looking settings must be *_FILE paths.
export function secretHygiene(docs, { secrets: extraSecrets = [] } = {}) {
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

export function ingress(docs) {
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

// The web pods behind a load balancer made outside the chart: the binding
// names a Service of the release that selects them, by a port it has, with
// IP targets (pod IPs on the container port, as the target group expects).
export function targetGroupBinding(docs) {
  const v = [];
  const tgbs = byKind(docs, "TargetGroupBinding");
  if (tgbs.length > 0 && byKind(docs, "Ingress").length > 0) v.push("both an Ingress and a TargetGroupBinding: two load balancers");
  const webLabels = podTemplates(docs).filter((p) => component(p) === "web").map((p) => p.labels);
  for (const tgb of tgbs) {
    const ref = tgb.spec?.serviceRef ?? {};
    const svc = byKind(docs, "Service").find((s) => s.metadata.name === ref.name);
    if (!svc) v.push(`${name(tgb)}: service ${ref.name} is not in the release`);
    else if (!webLabels.some((l) => labelsMatch(svc.spec.selector, l))) v.push(`${name(svc)}: selects no web pods`);
    else if (!(svc.spec.ports ?? []).some((p) => p.name === ref.port || p.port === ref.port)) v.push(`${name(tgb)}: port ${ref.port} is not a port of ${name(svc)}`);
    if (tgb.spec?.targetType !== "ip") v.push(`${name(tgb)}: targetType is not ip`);
    if (!/^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[\w-]+\/[0-9a-f]+$/.test(tgb.spec?.targetGroupARN ?? "")) {
      v.push(`${name(tgb)}: targetGroupARN ${tgb.spec?.targetGroupARN} is not a target group ARN`);
    }
  }
  return v;
}

export function autoscaling(docs) {
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
export function storage(docs, { persistence = true } = {}) {
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

export function networkPolicy(docs) {
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

// Files on S3: every Moodle pod with the bucket in its settings can reach
// its credentials (the EKS Pod Identity agent, 169.254.170.23:80) and S3
// (HTTPS) through the NetworkPolicy that selects it, and names a region.
const POD_IDENTITY_AGENT = "169.254.170.23/32";
export function objectStorage(docs) {
  const v = [];
  const s3 = byKind(docs, "ConfigMap").filter((c) => c.data?.MOODLE_S3_BUCKET);
  if (s3.length === 0) return v;
  for (const c of s3) if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(c.data.MOODLE_S3_REGION ?? "")) v.push(`${name(c)}: MOODLE_S3_REGION is not a region`);
  const allows = (np, port, cidr) => (np.spec.egress ?? []).some((rule) =>
    (rule.ports ?? [{ port }]).some((p) => p.port === port) &&
    (rule.to === undefined || rule.to.some((peer) => peer.ipBlock?.cidr === cidr)));
  for (const pod of podTemplates(docs).filter((p) => component(p) !== "test")) {
    for (const np of byKind(docs, "NetworkPolicy").filter((n) => labelsMatch(n.spec?.podSelector?.matchLabels, pod.labels))) {
      if (!allows(np, 80, POD_IDENTITY_AGENT)) v.push(`${pod.where}: ${name(np)} blocks the Pod Identity agent (${POD_IDENTITY_AGENT}:80): no S3 credentials`);
      if (!(np.spec.egress ?? []).some((r) => (r.ports ?? []).some((p) => p.port === 443) && r.to === undefined)) v.push(`${pod.where}: ${name(np)} blocks HTTPS to S3`);
    }
  }
  return v;
}

export function helmTest(docs) {
  const ok = docs.some((d) => d.kind === "Pod" && (d.metadata?.annotations?.["helm.sh/hook"] ?? "").split(",").includes("test"));
  return ok ? [] : ["no Pod with the helm.sh/hook: test annotation"];
}
