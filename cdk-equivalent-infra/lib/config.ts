import { deepMerge, isObject } from './merge';

/**
 * Deployment configuration: a named profile from cdk.json context
 * (`moodlecache:profiles`), merged over the `default` profile, then single
 * keys overridden with `-c key=value` (JSON values are parsed, so
 * `-c azCount=3` is a number and `-c waf=true` a boolean; settings that are
 * strings in the profile stay strings).
 *
 * Select a profile with `-c config=production`. No account ids or ARNs live
 * here: ARNs (certificate, admin principal) come in through context only.
 */

export interface NodeGroupSize {
  readonly instanceTypes: string[];
  readonly minSize: number;
  readonly desiredSize: number;
  readonly maxSize: number;
}

export interface DatabaseConfig {
  /** PostgreSQL major version, e.g. "17" (Moodle 4.5 and 5.x support it). */
  readonly engineVersion: string;
  /** Instance type without the "db." prefix, e.g. "r7g.large". */
  readonly instanceType: string;
  readonly allocatedStorageGiB: number;
  readonly maxAllocatedStorageGiB: number;
  readonly backupRetentionDays: number;
  readonly databaseName: string;
  readonly username: string;
}

export interface CacheConfig {
  /** Valkey engine version, e.g. "8.0". */
  readonly engineVersion: string;
  readonly nodeType: string;
  /** Replicas per shard; at least 1 for Multi-AZ with automatic failover. */
  readonly replicasPerShard: number;
}

export interface EfsConfig {
  /** Elastic suits Moodle's spiky, small-file I/O; bursting is cheaper when idle. */
  readonly throughputMode: 'elastic' | 'bursting';
  readonly moodledataUid: number;
  readonly moodledataGid: number;
}

export interface CloudFrontConfig {
  /** A CloudFront distribution in front of a load balancer the app creates. */
  readonly enabled: boolean;
  /** ACM certificate for domainName, in us-east-1 (CloudFront's region); "" = the distribution's own domain. */
  readonly certificateArn: string;
  /** A CLOUDFRONT-scope WAF web ACL (made in us-east-1); "" = the regional ACL stays on the load balancer. */
  readonly webAclArn: string;
  readonly priceClass: 'PriceClass_100' | 'PriceClass_200' | 'PriceClass_All';
}

export interface ObjectStorageConfig {
  /** Moodle's files on S3 through tool_objectfs (the image must hold it). */
  readonly enabled: boolean;
  /** Days before objects move to S3 Intelligent-Tiering. */
  readonly transitionDays: number;
  /** Days an overwritten or deleted object's old version is kept. */
  readonly noncurrentVersionDays: number;
}

export interface NearCacheConfig {
  /** The application cache's store keeps a near cache (per-pod shared memory, coherent across pods). */
  readonly enabled: boolean;
  /** Its shared memory per web pod, as the image takes it: a number with K, M or G ("64M"). */
  readonly size: string;
}

/** How the EKS API endpoint is reached: public (from endpointPublicCidrs) and private, or private only. */
export type EndpointAccessMode = 'publicAndPrivate' | 'private';

export interface AddonChart {
  readonly chart: string;
  readonly repository: string;
  readonly version: string;
  readonly namespace: string;
  /** Release the add-on runs (image tag v<appVersion>) when it must differ from the chart's default. */
  readonly appVersion?: string;
}

export const ADDON_NAMES = [
  'aws-load-balancer-controller',
  'aws-efs-csi-driver',
  'metrics-server',
  'cluster-autoscaler',
  'aws-node-termination-handler',
] as const;
export type AddonName = (typeof ADDON_NAMES)[number];
export type AddonVersions = Record<AddonName, AddonChart>;

export interface MoodleInfraConfig {
  readonly envName: string;
  readonly production: boolean;
  readonly azCount: number;
  readonly natGateways: number;
  readonly vpcCidr: string;
  readonly interfaceEndpoints: string[];
  readonly kubernetesVersion: string;
  readonly endpointAccess: EndpointAccessMode;
  /** Who may reach the public endpoint (publicAndPrivate); required, and never 0.0.0.0/0 in production. */
  readonly endpointPublicCidrs: string[];
  /** IAM role or user that gets cluster admin through an access entry (required). */
  readonly adminPrincipalArn: string;
  readonly onDemand: NodeGroupSize;
  readonly spot: Record<string, NodeGroupSize>;
  readonly nodeDiskSizeGiB: number;
  readonly database: DatabaseConfig;
  readonly cache: CacheConfig;
  readonly nearCache: NearCacheConfig;
  readonly efs: EfsConfig;
  readonly containerInsights: boolean;
  readonly waf: boolean;
  readonly cloudFront: CloudFrontConfig;
  readonly objectStorage: ObjectStorageConfig;
  readonly certificateArn: string;
  readonly hostedZoneId: string;
  readonly hostedZoneName: string;
  readonly domainName: string;
}

/** What the app reads context through: `App.node` or a plain map in tests. */
export interface ContextSource {
  tryGetContext(key: string): unknown;
}

export const PROFILES_KEY = 'moodlecache:profiles';

/** An IAM role or user ARN, as an EKS access entry takes it (not an STS assumed-role ARN). */
const PRINCIPAL_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/;

/** Cluster versions the bundled kubectl (@aws-cdk/lambda-layer-kubectl-v36) may manage. */
export const KUBECTL_SKEW = ['1.35', '1.36', '1.37'];

function parseOverride(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

export function loadConfig(ctx: ContextSource): MoodleInfraConfig {
  const profiles = ctx.tryGetContext(PROFILES_KEY);
  if (!isObject(profiles) || !isObject(profiles.default)) {
    throw new Error(`cdk.json context "${PROFILES_KEY}" must hold a "default" profile`);
  }
  const name = String(ctx.tryGetContext('config') ?? 'default');
  const profile = profiles[name];
  if (!isObject(profile)) {
    throw new Error(`unknown configuration "${name}": expected one of ${Object.keys(profiles).join(', ')}`);
  }
  let merged = deepMerge(profiles.default, profile);
  for (const key of Object.keys(merged)) {
    const raw = ctx.tryGetContext(key);
    // A string setting stays a string (-c kubernetesVersion=1.36 is not a number).
    if (raw !== undefined) merged = deepMerge(merged, { [key]: typeof merged[key] === 'string' ? String(raw) : parseOverride(raw) });
  }
  const cfg = merged as unknown as MoodleInfraConfig;
  validate(cfg);
  return cfg;
}

function validate(cfg: MoodleInfraConfig): void {
  const fail = (msg: string): never => {
    throw new Error(`invalid configuration: ${msg}`);
  };
  if (!/^[a-z][a-z0-9-]{1,15}$/.test(cfg.envName)) fail(`envName "${cfg.envName}" must match [a-z][a-z0-9-]{1,15}`);
  // The kubectl/helm layer is built for 1.36; kubectl supports one minor either side.
  if (!KUBECTL_SKEW.includes(cfg.kubernetesVersion)) {
    fail(`kubernetesVersion ${cfg.kubernetesVersion} is outside the kubectl layer's skew (${KUBECTL_SKEW.join(', ')})`);
  }
  if (!cfg.adminPrincipalArn) {
    fail('adminPrincipalArn is required: the IAM role or user that gets cluster admin through an EKS access entry, '
      + 'e.g. -c adminPrincipalArn=arn:aws:iam::<account>:role/<name>. Without it nobody can use kubectl: '
      + 'the only other admin is the role CloudFormation deployed with');
  }
  if (!PRINCIPAL_ARN.test(cfg.adminPrincipalArn)) {
    fail(`adminPrincipalArn "${cfg.adminPrincipalArn}" is not an IAM role or user ARN (arn:aws:iam::<account>:role/<name> `
      + 'or :user/<name>; for an assumed-role session give the role\'s ARN)');
  }
  validateEndpoint(cfg, fail);
  if (!(typeof cfg.nearCache?.enabled === 'boolean' && /^[0-9]+[KMG]?$/.test(cfg.nearCache?.size ?? ''))) {
    fail(`nearCache must be {"enabled": true|false, "size": "<number>[K|M|G]"} (the image's MOODLE_NEAR_CACHE_SIZE), got ${JSON.stringify(cfg.nearCache)}`);
  }
  if (![2, 3].includes(cfg.azCount)) fail(`azCount must be 2 or 3, got ${cfg.azCount}`);
  if (cfg.natGateways < 1 || cfg.natGateways > cfg.azCount) fail(`natGateways must be 1..azCount, got ${cfg.natGateways}`);
  if (cfg.cache.replicasPerShard < 1) fail('cache.replicasPerShard must be >= 1 for Multi-AZ failover');
  if (Object.keys(cfg.spot).length === 0) fail('at least one Spot node group is required');
  for (const [name, g] of [['onDemand', cfg.onDemand], ...Object.entries(cfg.spot)] as [string, NodeGroupSize][]) {
    if (g.instanceTypes.length === 0) fail(`${name}.instanceTypes is empty`);
    if (!(g.minSize <= g.desiredSize && g.desiredSize <= g.maxSize)) fail(`${name}: need minSize <= desiredSize <= maxSize`);
  }
  if (cfg.onDemand.minSize < 1) fail('onDemand.minSize must be >= 1: critical pods and the autoscaler run there');
  if (cfg.hostedZoneId && !(cfg.hostedZoneName && cfg.domainName)) fail('hostedZoneId needs hostedZoneName and domainName');
  if (cfg.certificateArn && cfg.hostedZoneId) fail('give certificateArn or hostedZoneId, not both');
  validateCloudFront(cfg, fail);
  if (cfg.objectStorage.enabled && !(cfg.objectStorage.transitionDays >= 0 && cfg.objectStorage.noncurrentVersionDays >= 1)) {
    fail('objectStorage: transitionDays must be >= 0 and noncurrentVersionDays >= 1');
  }
}

const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/;

/**
 * The API endpoint: with a public endpoint its allowed ranges are required
 * (nothing is open by default), and production refuses the whole Internet;
 * a private endpoint takes no ranges (README: how to reach it).
 */
function validateEndpoint(cfg: MoodleInfraConfig, fail: (msg: string) => never): void {
  const cidrs = cfg.endpointPublicCidrs ?? [];
  if (cfg.endpointAccess === 'private') {
    if (cidrs.length > 0) fail('endpointPublicCidrs applies to endpointAccess "publicAndPrivate" only; the private endpoint has no public ranges');
    return;
  }
  if (cfg.endpointAccess !== 'publicAndPrivate') fail(`endpointAccess must be "publicAndPrivate" or "private", got ${JSON.stringify(cfg.endpointAccess)}`);
  if (!Array.isArray(cidrs) || cidrs.length === 0) {
    fail('endpointPublicCidrs is required with a public API endpoint: the ranges that may reach it, '
      + 'e.g. -c endpointPublicCidrs=\'["203.0.113.0/24"]\' (your office or VPN), or -c endpointAccess=private');
  }
  for (const c of cidrs) if (!IPV4_CIDR.test(c)) fail(`endpointPublicCidrs: "${c}" is not an IPv4 CIDR such as 203.0.113.0/24`);
  if (cfg.production && cidrs.some((c) => c.endsWith('/0'))) {
    fail('endpointPublicCidrs must not open the production API endpoint to the whole Internet (0.0.0.0/0): '
      + 'give your office or VPN ranges, or use endpointAccess "private"');
  }
}

/** CloudFront takes certificates and WAF web ACLs from us-east-1 only. */
function validateCloudFront(cfg: MoodleInfraConfig, fail: (msg: string) => never): void {
  const cf = cfg.cloudFront;
  if (!cf.enabled) return;
  if (!['PriceClass_100', 'PriceClass_200', 'PriceClass_All'].includes(cf.priceClass)) fail(`cloudFront.priceClass "${cf.priceClass}" is not a CloudFront price class`);
  if (cf.certificateArn && !/^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[\w-]+$/.test(cf.certificateArn)) {
    fail(`cloudFront.certificateArn "${cf.certificateArn}" must be an ACM certificate in us-east-1 (CloudFront uses no other region)`);
  }
  if (cf.webAclArn && !/^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\/.+$/.test(cf.webAclArn)) {
    fail(`cloudFront.webAclArn "${cf.webAclArn}" must be a CLOUDFRONT-scope web ACL (arn:...:wafv2:us-east-1:...:global/webacl/...)`);
  }
  if (cfg.domainName && !cf.certificateArn) {
    fail(`cloudFront.certificateArn is required to serve domainName ${cfg.domainName} through CloudFront: an ACM certificate for it in us-east-1`);
  }
  if (cf.certificateArn && !cfg.domainName) fail('cloudFront.certificateArn needs domainName, the site\'s host name');
}
