import { Aws, CfnOutput, Fn, Stack, StackProps } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import { Construct } from 'constructs';
import { ClusterAutoscaler } from './addons/cluster-autoscaler';
import { EfsCsiDriver } from './addons/efs-csi-driver';
import { LoadBalancerController } from './addons/load-balancer-controller';
import { MetricsServer } from './addons/metrics-server';
import { NodeTerminationHandler } from './addons/node-termination-handler';
import { Observability } from './addons/observability';
import { VpcCni } from './addons/vpc-cni';
import { AccessLogs } from './access-logs';
import { Cache, VALKEY_PORT } from './cache';
import { SiteCertificate } from './certificate';
import { CHART_WEB } from './chart-contract';
import { chartValues } from './chart-values';
import { MoodleCluster } from './cluster';
import { AddonVersions, MoodleInfraConfig } from './config';
import { Database, POSTGRES_PORT } from './database';
import { Edge } from './edge';
import { Moodledata } from './file-system';
import { ImageRepository } from './image-repository';
import { MoodleFiles } from './moodle-files';
import { Network } from './network';
import { WebAcl } from './waf';

export interface MoodleStackProps extends StackProps {
  readonly config: MoodleInfraConfig;
  readonly addonVersions: AddonVersions;
  /** EKS add-on versions by name; "" or absent lets EKS choose its default. */
  readonly eksAddonVersions: Record<string, string>;
}

/**
 * Moodle on EKS: network, cluster with its add-ons, database, cache,
 * moodledata, the image repository, and the optional certificate, WAF and
 * Container Insights.
 * Environment-agnostic (no account or region), so it synthesizes offline.
 */
export class MoodleStack extends Stack {
  private readonly azCount: number;

  constructor(scope: Construct, id: string, props: MoodleStackProps) {
    super(scope, id, props);
    const cfg = props.config;
    this.azCount = cfg.azCount;
    const clusterName = `${cfg.envName}-moodle`;

    const network = new Network(this, 'Network', {
      cidr: cfg.vpcCidr,
      azCount: cfg.azCount,
      natGateways: cfg.natGateways,
      interfaceEndpoints: cfg.interfaceEndpoints,
      production: cfg.production,
    });
    const vpc = network.vpc;

    const eks = new MoodleCluster(this, 'Eks', {
      clusterName,
      vpc,
      kubernetesVersion: cfg.kubernetesVersion,
      endpointAccess: cfg.endpointAccess,
      endpointPublicCidrs: cfg.endpointPublicCidrs,
      adminPrincipalArn: cfg.adminPrincipalArn,
      onDemand: cfg.onDemand,
      spot: cfg.spot,
      nodeDiskSizeGiB: cfg.nodeDiskSizeGiB,
    });
    const cluster = eks.cluster;
    const clients = cluster.clusterSecurityGroup;

    const database = new Database(this, 'Database', { ...cfg.database, vpc, clientSecurityGroup: clients, production: cfg.production });
    const cache = new Cache(this, 'Cache', { ...cfg.cache, vpc, clientSecurityGroup: clients, envName: cfg.envName, production: cfg.production });
    const moodledata = new Moodledata(this, 'Moodledata', { ...cfg.efs, vpc, clientSecurityGroup: clients });

    // Add-ons. Charts wait for their pods, so they need the On-Demand nodes first.
    const replicas = cfg.production ? 2 : 1;
    const vpcCni = new VpcCni(this, 'VpcCni', { cluster, addonVersion: props.eksAddonVersions['vpc-cni'] ?? '' });
    const addons = [
      new LoadBalancerController(this, 'LoadBalancerController', { cluster, chart: props.addonVersions['aws-load-balancer-controller'], replicas }).chart,
      new EfsCsiDriver(this, 'EfsCsiDriver', { cluster, chart: props.addonVersions['aws-efs-csi-driver'], fileSystem: moodledata.fileSystem }).chart,
      new MetricsServer(this, 'MetricsServer', { cluster, chart: props.addonVersions['metrics-server'], replicas }).chart,
      new ClusterAutoscaler(this, 'ClusterAutoscaler', {
        cluster,
        clusterName,
        chart: props.addonVersions['cluster-autoscaler'],
        kubernetesVersion: cfg.kubernetesVersion,
        spotGroupNames: Object.keys(cfg.spot).map((size) => MoodleCluster.spotGroupName(clusterName, size)),
        onDemandGroupName: MoodleCluster.onDemandGroupName(clusterName),
      }).chart,
      new NodeTerminationHandler(this, 'NodeTerminationHandler', { cluster, chart: props.addonVersions['aws-node-termination-handler'] }).chart,
    ];
    for (const chart of addons) chart.node.addDependency(eks.onDemandGroup, vpcCni.addon);
    if (cfg.containerInsights) {
      const observability = new Observability(this, 'Observability', {
        cluster,
        addonVersion: props.eksAddonVersions['amazon-cloudwatch-observability'] ?? '',
      });
      observability.addon.node.addDependency(eks.onDemandGroup);
    }

    const images = new ImageRepository(this, 'ImageRepository', { repositoryName: `${clusterName}/moodle`, production: cfg.production }).repository;

    const { certificate, waf, files, edge } = this.optionalFeatures(cfg, cluster);

    this.outputs({
      ClusterName: [cluster.clusterName, 'EKS cluster name'],
      Region: [Aws.REGION, 'Region of the stack'],
      UpdateKubeconfigCommand: [`aws eks update-kubeconfig --region ${Aws.REGION} --name ${cluster.clusterName}`, 'Connect kubectl to the cluster'],
      ClusterSecurityGroupId: [cluster.clusterSecurityGroupId, 'EKS cluster security group: give it to a CloudShell VPC environment (private endpoint) to reach the API'],
      RdsEndpoint: [database.instance.dbInstanceEndpointAddress, 'chart: database.host'],
      RdsPort: [database.instance.dbInstanceEndpointPort, 'chart: database.port'],
      RdsDatabaseName: [cfg.database.databaseName, 'chart: database.name'],
      RdsSecretArn: [database.instance.secret!.secretArn, 'Secrets Manager secret with the database user and password (chart Secret key db-password)'],
      RedisEndpoint: [cache.replicationGroup.attrPrimaryEndPointAddress, 'chart: redis.host (TLS required)'],
      RedisPort: [cache.replicationGroup.attrPrimaryEndPointPort, 'chart: redis.port'],
      RedisTls: ['true', 'chart: redis.tls'],
      RedisAuthSecretArn: [cache.authToken.secretArn, 'Secrets Manager secret with the AUTH token (chart Secret key redis-auth-token)'],
      EfsFileSystemId: [moodledata.fileSystem.fileSystemId, 'chart: persistence.fileSystemId'],
      EfsAccessPointId: [moodledata.accessPoint.accessPointId, 'chart: persistence.accessPointId (static mode)'],
      VpcCidr: [vpc.vpcCidrBlock, 'chart: networkPolicy.ingressCidrs / egressCidrs'],
      EcrRepositoryUri: [images.repositoryUri, 'chart: image.repository; push the image built from docker/ here (tags are immutable)'],
      ...(certificate ? { CertificateArn: [certificate.certificateArn, 'chart: ingress.certificateArn'] } : {}),
      ...(waf ? { WafAclArn: [waf.attrArn, edge ? 'Regional web ACL on the origin load balancer' : 'chart: ingress.wafAclArn'] } : {}),
      ...(edge ? {
        SiteUrl: [edge.delivery.siteUrl, 'chart: moodle.wwwroot (through CloudFront)'],
        DistributionDomainName: [edge.delivery.distribution.distributionDomainName, 'CloudFront domain: point the site\'s DNS name at it (the app does, given a hosted zone)'],
        OriginTargetGroupArn: [edge.origin.targetGroup.targetGroupArn, 'chart: targetGroupBinding.targetGroupArn'],
      } : {}),
      ...(files ? {
        MoodleFilesBucket: [files.bucket.bucketName, 'chart: objectStorage.bucket (Moodle\'s files on S3, tool_objectfs)'],
        MoodleFilesRoleArn: [files.identity.role.roleArn, `Pod Identity role of ${CHART_WEB.namespace}/${CHART_WEB.serviceAccount}: the bucket only`],
      } : {}),
      ChartValues: [this.toJsonString(chartValues({
        databaseHost: database.instance.dbInstanceEndpointAddress,
        databasePort: POSTGRES_PORT,
        databaseName: cfg.database.databaseName,
        databaseUser: cfg.database.username,
        redisHost: cache.replicationGroup.attrPrimaryEndPointAddress,
        redisPort: VALKEY_PORT,
        nearCache: cfg.nearCache,
        fileSystemId: moodledata.fileSystem.fileSystemId,
        accessPointId: moodledata.accessPoint.accessPointId,
        vpcCidr: vpc.vpcCidrBlock,
        imageRepository: images.repositoryUri,
        certificateArn: certificate?.certificateArn,
        wafAclArn: waf?.attrArn,
        filesBucket: files?.bucket.bucketName,
        region: Aws.REGION,
        edge: edge ? { siteUrl: edge.delivery.siteUrl, targetGroupArn: edge.origin.targetGroup.targetGroupArn } : undefined,
      })), 'Values for k8s/charts/moodle (JSON); scripts/chart-values.ts writes them to a file'],
    });
  }

  /**
   * The certificate, WAF, files on S3 and CloudFront, as configured. WAF goes
   * where the traffic enters: at CloudFront when given an edge web ACL (made
   * in us-east-1), else the regional ACL (on the chart's Ingress, or on the
   * origin load balancer behind CloudFront).
   */
  private optionalFeatures(cfg: MoodleInfraConfig, cluster: eks.Cluster) {
    const site = new SiteCertificate(this, 'Certificate', cfg);
    const edgeWaf = cfg.cloudFront.enabled && cfg.cloudFront.webAclArn !== '';
    const waf = cfg.waf && !edgeWaf ? new WebAcl(this, 'Waf', { envName: cfg.envName, production: cfg.production }).webAcl : undefined;
    const logs = cfg.cloudFront.enabled || cfg.objectStorage.enabled
      ? new AccessLogs(this, 'AccessLogs', { production: cfg.production }).bucket : undefined;
    const files = cfg.objectStorage.enabled ? new MoodleFiles(this, 'MoodleFiles', {
      ...cfg.objectStorage,
      cluster,
      accessLogs: logs!,
      namespace: CHART_WEB.namespace,
      serviceAccount: CHART_WEB.serviceAccount,
    }) : undefined;
    const edge = cfg.cloudFront.enabled ? new Edge(this, 'Edge', {
      cloudFront: cfg.cloudFront,
      vpc: cluster.vpc,
      podSecurityGroup: cluster.clusterSecurityGroup,
      domainName: cfg.domainName,
      certificate: site.certificate,
      zone: site.zone,
      regionalWebAcl: waf,
      logBucket: logs!,
    }) : undefined;
    return { certificate: site.certificate, waf, files, edge };
  }

  /**
   * Spread the VPC over azCount AZs of whatever region the stack lands in;
   * the agnostic default would stop at two.
   */
  get availabilityZones(): string[] {
    return Array.from({ length: this.azCount ?? 2 }, (_, i) => Fn.select(i, Fn.getAzs()));
  }

  private outputs(all: Record<string, [string, string]>): void {
    for (const [id, [value, description]] of Object.entries(all)) new CfnOutput(this, id, { value, description });
  }
}
