import { KubectlV36Layer } from '@aws-cdk/lambda-layer-kubectl-v36';
import { Annotations, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { EndpointAccessMode, NodeGroupSize } from './config';
import { SUBNETS } from './network';

/** Node label the chart's placement rules read, besides eks.amazonaws.com/capacityType. */
export const CAPACITY_LABEL = 'moodlecache.io/capacity';
/** Node label naming the size class of a Spot group (large, xlarge, ...). */
export const SIZE_LABEL = 'moodlecache.io/size';

export interface MoodleClusterProps {
  readonly clusterName: string;
  readonly vpc: ec2.IVpc;
  readonly kubernetesVersion: string;
  readonly endpointAccess: EndpointAccessMode;
  readonly endpointPublicCidrs: string[];
  /** IAM role or user ARN granted cluster admin through an access entry. */
  readonly adminPrincipalArn: string;
  readonly onDemand: NodeGroupSize;
  /** Spot groups by size class, e.g. { large: ..., xlarge: ... }. */
  readonly spot: Record<string, NodeGroupSize>;
  readonly nodeDiskSizeGiB: number;
}

/**
 * The EKS cluster and its managed node groups: one On-Demand group for
 * critical pods (installer job, cron, controllers, the autoscaler) and one
 * Spot group per size class, each over several similar instance types so a
 * Spot shortage of one type does not stop scaling. No taints: web pods run on
 * Spot and fall back to On-Demand; placement is by node affinity on labels.
 */
export class MoodleCluster extends Construct {
  readonly cluster: eks.Cluster;
  readonly onDemandGroup: eks.Nodegroup;
  readonly spotGroups: Record<string, eks.Nodegroup> = {};
  /** Node group names; the managed ASGs are named eks-<nodegroupName>-<uuid>. */
  static spotGroupName(clusterName: string, size: string): string {
    return `${clusterName}-spot-${size}`;
  }
  static onDemandGroupName(clusterName: string): string {
    return `${clusterName}-on-demand`;
  }

  constructor(scope: Construct, id: string, props: MoodleClusterProps) {
    super(scope, id);

    const secretsKey = new kms.Key(this, 'SecretsKey', {
      description: `${props.clusterName} Kubernetes secrets envelope encryption`,
      enableKeyRotation: true,
    });

    this.cluster = new eks.Cluster(this, 'Cluster', {
      clusterName: props.clusterName,
      version: eks.KubernetesVersion.of(props.kubernetesVersion),
      vpc: props.vpc,
      vpcSubnets: [{ subnetGroupName: SUBNETS.nodes }],
      defaultCapacityType: eks.DefaultCapacityType.NODEGROUP,
      defaultCapacity: 0,
      // Private: reachable from the VPC only (README, "Connect"); else public
      // from the configured ranges only, and private for the nodes.
      endpointAccess: props.endpointAccess === 'private'
        ? eks.EndpointAccess.PRIVATE
        : eks.EndpointAccess.PUBLIC_AND_PRIVATE.onlyFrom(...props.endpointPublicCidrs),
      secretsEncryptionKey: secretsKey,
      clusterLogging: [
        eks.ClusterLoggingTypes.API,
        eks.ClusterLoggingTypes.AUDIT,
        eks.ClusterLoggingTypes.AUTHENTICATOR,
        eks.ClusterLoggingTypes.CONTROLLER_MANAGER,
        eks.ClusterLoggingTypes.SCHEDULER,
      ],
      kubectlProviderOptions: { kubectlLayer: new KubectlV36Layer(this, 'KubectlLayer') },
    });

    this.acknowledgeCdkInternals();
    if (props.endpointAccess !== 'private' && props.endpointPublicCidrs.some((c) => c.endsWith('/0'))) {
      Annotations.of(this).addWarningV2('moodlecache:openApiEndpoint',
        'The EKS API endpoint is open to the whole Internet (endpointPublicCidrs holds a /0): give your office or VPN ranges, or use endpointAccess "private"');
    }

    // The operator's way in: cluster-creator admin goes to CloudFormation's role, not to a person.
    this.cluster.grantAccess('AdminAccess', props.adminPrincipalArn, [
      eks.AccessPolicy.fromAccessPolicyName('AmazonEKSClusterAdminPolicy', {
        accessScopeType: eks.AccessScopeType.CLUSTER,
      }),
    ]);

    const nodeRole = new iam.Role(this, 'NodeRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      managedPolicies: NODE_POLICIES.map((p) => iam.ManagedPolicy.fromAwsManagedPolicyName(p)),
    });
    for (const p of NODE_POLICIES) {
      Validations.of(nodeRole).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${p}]`,
        reason: `${p} is the AWS-maintained minimum for EKS worker nodes; copying it inline would drift from EKS releases.`,
      });
    }

    const nodegroup = (nid: string, name: string, size: NodeGroupSize, capacity: eks.CapacityType, labels: Record<string, string>) =>
      this.cluster.addNodegroupCapacity(nid, {
        nodegroupName: name,
        capacityType: capacity,
        instanceTypes: size.instanceTypes.map((t) => new ec2.InstanceType(t)),
        amiType: eks.NodegroupAmiType.AL2023_X86_64_STANDARD,
        minSize: size.minSize,
        desiredSize: size.desiredSize,
        maxSize: size.maxSize,
        diskSize: props.nodeDiskSizeGiB,
        nodeRole,
        subnets: { subnetGroupName: SUBNETS.nodes },
        labels,
        // EKS puts the two auto-discovery tags on each group's ASG itself; they
        // are repeated on the node group so that tag-based policies and cost
        // reports see them. Scale-from-zero reads labels via eks:DescribeNodegroup.
        tags: {
          'k8s.io/cluster-autoscaler/enabled': 'true',
          [`k8s.io/cluster-autoscaler/${props.clusterName}`]: 'owned',
        },
      });

    this.onDemandGroup = nodegroup('OnDemand', MoodleCluster.onDemandGroupName(props.clusterName), props.onDemand,
      eks.CapacityType.ON_DEMAND, { [CAPACITY_LABEL]: 'on-demand' });
    for (const [size, group] of Object.entries(props.spot)) {
      this.spotGroups[size] = nodegroup(`Spot-${size}`, MoodleCluster.spotGroupName(props.clusterName, size), group,
        eks.CapacityType.SPOT, { [CAPACITY_LABEL]: 'spot', [SIZE_LABEL]: size });
    }
  }

  /** Findings on resources that aws-eks-v2 itself creates, with why they stay. */
  private acknowledgeCdkInternals(): void {
    const cluster = this.cluster;
    Validations.of(cluster.role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKSClusterPolicy]',
      reason: 'AmazonEKSClusterPolicy is the policy EKS requires on the cluster service role; AWS maintains it with the control plane.',
    });
    Validations.of(cluster.node.findChild('Resource')).acknowledge({
      id: 'CloudFormation-Validate::W9009',
      reason: 'aws-eks-v2 renders EncryptionConfig.Resources ["secrets"] for a customer-managed secrets key; the schema marks it deprecated but CloudFormation still accepts it, and an untested property override to drop it would be riskier.',
    });
    const kubectl = cluster.node.findChild('KubectlProvider');
    const handler = kubectl.node.findChild('Handler');
    const onEvent = kubectl.node.findChild('Provider').node.findChild('framework-onEvent');
    const lambdaPolicies = ['service-role/AWSLambdaBasicExecutionRole', 'service-role/AWSLambdaVPCAccessExecutionRole'];
    for (const fn of [handler, onEvent]) {
      for (const p of lambdaPolicies) {
        Validations.of(fn).acknowledge({
          id: `AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${p}]`,
          reason: `The kubectl provider Lambda of aws-eks-v2 uses ${p} for its logs and ENIs; it runs only during deployments.`,
        });
      }
    }
    Validations.of(handler).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly]',
      reason: 'The kubectl provider pulls OCI Helm charts from ECR with the read-only registry policy that aws-eks-v2 attaches.',
    });
    Validations.of(handler).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::{"Fn::If":["EksClusterKubectlProviderHandlerHasEcrPublicC426D1A5",{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":iam::aws:policy/AmazonElasticContainerRegistryPublicReadOnly"]]},{"Ref":"AWS::NoValue"}]}]',
      reason: 'aws-eks-v2 adds the ECR Public read-only policy to the kubectl provider only in partitions that have ECR Public, for public OCI charts.',
    });
    Validations.of(handler).acknowledge({
      id: 'AwsSolutions::AwsSolutions-L1',
      reason: 'aws-eks-v2 pins the kubectl provider runtime to the Python version its kubectl/helm layer is built and tested with.',
    });
    Validations.of(onEvent).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::<EksClusterKubectlProviderHandlerDA75FB7A.Arn>:*]',
      reason: 'The custom resource framework may invoke any version of the kubectl handler function; the wildcard is on versions of that one function.',
    });
  }
}

const NODE_POLICIES = ['AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy', 'AmazonEC2ContainerRegistryReadOnly'];
