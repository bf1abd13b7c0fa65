import { Aws, Stack, Validations } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { AddonChart } from '../config';
import { PodIdentity } from '../pod-identity';
import { installChart, ON_DEMAND_SELECTOR } from './helm-addon';

export interface ClusterAutoscalerProps {
  readonly cluster: eks.Cluster;
  readonly clusterName: string;
  readonly chart: AddonChart;
  /** The cluster's Kubernetes version ("1.36"); the autoscaler's minor must equal it. */
  readonly kubernetesVersion: string;
  /** Spot node group names, most preferred first (the config's size classes in order). */
  readonly spotGroupNames: string[];
  readonly onDemandGroupName: string;
}

/**
 * The priority expander's table for the chart's expanderPriorities value
 * (the chart makes the cluster-autoscaler-priority-expander ConfigMap from
 * it): each Spot group its own priority, in the order given (large before
 * xlarge), all above On-Demand. The higher number wins; patterns match ASG
 * names, which EKS makes eks-<nodegroup>-<id>.
 */
export function expanderPriorities(spotGroupNames: string[], onDemandGroupName: string): Record<string, string[]> {
  const asg = (group: string) => `^eks-${group}-.*`;
  const table: Record<string, string[]> = { 10: [asg(onDemandGroupName)] };
  spotGroupNames.forEach((g, i) => { table[10 * (spotGroupNames.length - i + 1)] = [asg(g)]; });
  return table;
}

export const AUTOSCALER_SERVICE_ACCOUNT = 'cluster-autoscaler';

/**
 * The image tag of the Cluster Autoscaler release to run: v<appVersion> of
 * its pin. Cluster Autoscaler supports only the Kubernetes minor it was built
 * for, and the chart's default release lags the newest Kubernetes, so the pin
 * must name the release and its minor must equal the cluster's. Throws (synth
 * fails) otherwise.
 */
export function autoscalerImageTag(chart: AddonChart, kubernetesVersion: string): string {
  const where = `cluster-autoscaler chart ${chart.version} (k8s/addons/versions.yaml)`;
  if (!chart.appVersion) {
    throw new Error(`${where} names no appVersion: pin the Cluster Autoscaler release for Kubernetes ${kubernetesVersion}`);
  }
  const minor = (v: string) => v.split('.').slice(0, 2).join('.');
  if (minor(chart.appVersion) !== minor(kubernetesVersion)) {
    throw new Error(`${where}: Cluster Autoscaler ${chart.appVersion} does not match the cluster's Kubernetes `
      + `${kubernetesVersion} (kubernetesVersion); its minor version must equal the cluster's: pin a ${minor(kubernetesVersion)}.x release`);
  }
  return `v${chart.appVersion}`;
}

/**
 * Cluster Autoscaler with auto-discovery of this cluster's node groups and
 * the priority expander: scale the first Spot group that fits (large before
 * xlarge), On-Demand only otherwise. It runs on On-Demand nodes so a Spot reclaim never takes it down.
 * It may change the size only of ASGs tagged as owned by this cluster.
 */
export class ClusterAutoscaler extends Construct {
  readonly identity: PodIdentity;
  readonly chart: eks.HelmChart;

  constructor(scope: Construct, id: string, props: ClusterAutoscalerProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const imageTag = autoscalerImageTag(props.chart, props.kubernetesVersion);
    this.identity = new PodIdentity(this, 'Identity', {
      cluster: props.cluster,
      namespace: props.chart.namespace,
      serviceAccount: AUTOSCALER_SERVICE_ACCOUNT,
      statements: [
        new iam.PolicyStatement({
          actions: [
            'autoscaling:DescribeAutoScalingGroups',
            'autoscaling:DescribeAutoScalingInstances',
            'autoscaling:DescribeLaunchConfigurations',
            'autoscaling:DescribeScalingActivities',
            'autoscaling:DescribeTags',
            'ec2:DescribeImages',
            'ec2:DescribeInstanceTypes',
            'ec2:DescribeLaunchTemplateVersions',
            'ec2:GetInstanceTypesFromInstanceRequirements',
          ],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          actions: ['eks:DescribeNodegroup'],
          resources: [stack.formatArn({ service: 'eks', resource: 'nodegroup', resourceName: `${props.clusterName}/*` })],
        }),
        new iam.PolicyStatement({
          actions: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'],
          resources: ['*'],
          conditions: { StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${props.clusterName}`]: 'owned' } },
        }),
      ],
    });
    const policy = this.identity.node.findChild('Policy');
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason: 'Describe calls of Auto Scaling and EC2 have no resource-level permissions; the two mutating Auto Scaling actions are limited by condition to ASGs tagged as owned by this cluster.',
    });
    Validations.of(policy).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:eks:<AWS::Region>:<AWS::AccountId>:nodegroup/${props.clusterName}/*]`,
      reason: 'Node group ARNs end in an EKS-generated id; the wildcard covers only node groups of this cluster, for scale-from-zero label discovery.',
    });

    this.chart = installChart(this, props.cluster, 'cluster-autoscaler', props.chart, {
      defaults: {
        extraArgs: { 'balance-similar-node-groups': true, 'skip-nodes-with-system-pods': false },
        nodeSelector: ON_DEMAND_SELECTOR,
        priorityClassName: 'system-cluster-critical',
      },
      overrides: {
        cloudProvider: 'aws',
        autoDiscovery: { clusterName: props.clusterName },
        awsRegion: Aws.REGION,
        rbac: { serviceAccount: { create: true, name: AUTOSCALER_SERVICE_ACCOUNT } },
        extraArgs: { expander: 'priority' },
        image: { tag: imageTag },
      },
      // This cluster's node group names, not the example patterns of the file.
      replaced: { expanderPriorities: expanderPriorities(props.spotGroupNames, props.onDemandGroupName) },
    });
    this.chart.node.addDependency(this.identity.association);
  }
}
