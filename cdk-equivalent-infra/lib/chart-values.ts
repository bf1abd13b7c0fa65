import { CHART_WEB } from './chart-contract';
import { NearCacheConfig } from './config';

/**
 * The Moodle chart's values (k8s/charts/moodle/values.yaml) that this app's
 * resources determine. The stack emits them as the ChartValues output (JSON,
 * which Helm reads as YAML); scripts/chart-values.ts writes that output to a
 * values file. Inputs may be CDK tokens: they resolve at deploy time.
 */
export interface ChartInputs {
  readonly databaseHost: string;
  readonly databasePort: number;
  readonly databaseName: string;
  readonly databaseUser: string;
  readonly redisHost: string;
  readonly redisPort: number;
  /** The near cache of the application cache's store, set explicitly (not left to the chart's defaults). */
  readonly nearCache: NearCacheConfig;
  readonly fileSystemId: string;
  readonly accessPointId: string;
  readonly vpcCidr: string;
  /** ECR repository URI of the Moodle image; the tag is the operator's (--set image.tag). */
  readonly imageRepository: string;
  readonly certificateArn?: string;
  readonly wafAclArn?: string;
  /** Moodle's files on S3: the bucket, and the stack's region. */
  readonly filesBucket?: string;
  readonly region: string;
  /** CloudFront in front: the site's URL and the origin target group the pods join. */
  readonly edge?: { readonly siteUrl: string; readonly targetGroupArn: string };
}

/** Kubernetes Secret the chart reads passwords from (see scripts/chart-secret.sh). */
export const CHART_SECRET_NAME = 'moodle-credentials';

export function chartValues(i: ChartInputs): Record<string, unknown> {
  return {
    image: { repository: i.imageRepository },
    database: { type: 'pgsql', host: i.databaseHost, port: i.databasePort, name: i.databaseName, user: i.databaseUser },
    // The AUTH-token user may use every command and channel the near cache
    // needs (Pub/Sub on __moodlecache__:*, SET, INFO): see lib/cache.ts.
    redis: { enabled: true, host: i.redisHost, port: i.redisPort, tls: true, auth: true, nearCache: { ...i.nearCache } },
    secrets: { existingSecret: CHART_SECRET_NAME },
    persistence: { enabled: true, mode: 'static', fileSystemId: i.fileSystemId, accessPointId: i.accessPointId, encryptInTransit: true },
    // Through CloudFront the app's load balancer serves the site: the pods
    // join its target group (TargetGroupBinding) and no Ingress is made.
    ...(i.edge ? {
      moodle: { wwwroot: i.edge.siteUrl, sslProxy: true, reverseProxy: false },
      ingress: { enabled: false },
      targetGroupBinding: { enabled: true, targetGroupArn: i.edge.targetGroupArn },
    } : {
      ingress: { enabled: true, className: 'alb', certificateArn: i.certificateArn ?? '', wafAclArn: i.wafAclArn ?? '' },
    }),
    // The service account the Pod Identity association of the files bucket names.
    serviceAccount: { create: true, name: CHART_WEB.serviceAccount },
    ...(i.filesBucket ? { objectStorage: { enabled: true, bucket: i.filesBucket, region: i.region } } : {}),
    networkPolicy: { ingressCidrs: [i.vpcCidr], egressCidrs: [i.vpcCidr] },
    // Every node group spans all AZs and Cluster Autoscaler cannot choose the
    // zone of a node it adds: a hard zone constraint could leave pods Pending.
    topologySpread: { zone: { whenUnsatisfiable: 'ScheduleAnyway' } },
  };
}
