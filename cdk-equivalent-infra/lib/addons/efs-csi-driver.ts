import { Validations } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { AddonChart } from '../config';
import { PodIdentity } from '../pod-identity';
import { installChart, ON_DEMAND_SELECTOR } from './helm-addon';

export interface EfsCsiDriverProps {
  readonly cluster: eks.Cluster;
  readonly chart: AddonChart;
  readonly fileSystem: efs.IFileSystem;
}

export const EFS_CONTROLLER_SERVICE_ACCOUNT = 'efs-csi-controller-sa';
export const EFS_NODE_SERVICE_ACCOUNT = 'efs-csi-node-sa';

/**
 * EFS CSI driver. The chart mounts moodledata through a static volume on the
 * app's access point, so the controller needs only to describe the file
 * system (plus access-point management limited to the one file system, for a
 * dynamic StorageClass); the node plugin needs client mount/write on it for
 * IAM-authorised mounts.
 */
export class EfsCsiDriver extends Construct {
  readonly controllerIdentity: PodIdentity;
  readonly nodeIdentity: PodIdentity;
  readonly chart: eks.HelmChart;

  constructor(scope: Construct, id: string, props: EfsCsiDriverProps) {
    super(scope, id);
    const fsArn = props.fileSystem.fileSystemArn;
    this.controllerIdentity = new PodIdentity(this, 'ControllerIdentity', {
      cluster: props.cluster,
      namespace: props.chart.namespace,
      serviceAccount: EFS_CONTROLLER_SERVICE_ACCOUNT,
      statements: [
        new iam.PolicyStatement({
          actions: ['elasticfilesystem:DescribeAccessPoints', 'elasticfilesystem:DescribeFileSystems', 'elasticfilesystem:DescribeMountTargets'],
          resources: [fsArn],
        }),
        new iam.PolicyStatement({
          actions: ['elasticfilesystem:CreateAccessPoint', 'elasticfilesystem:TagResource'],
          resources: [fsArn],
          conditions: { StringLike: { 'aws:RequestTag/efs.csi.aws.com/cluster': 'true' } },
        }),
        new iam.PolicyStatement({
          actions: ['elasticfilesystem:DeleteAccessPoint'],
          resources: ['*'],
          conditions: {
            StringEquals: {
              'aws:ResourceTag/efs.csi.aws.com/cluster': 'true',
              'elasticfilesystem:FileSystemId': props.fileSystem.fileSystemId,
            },
          },
        }),
        new iam.PolicyStatement({ actions: ['ec2:DescribeAvailabilityZones'], resources: ['*'] }),
      ],
    });
    const policy = this.controllerIdentity.node.findChild('Policy');
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason: 'ec2:DescribeAvailabilityZones has no resource-level permissions; DeleteAccessPoint targets access points (ARNs unknown in advance) and is limited by condition to driver-tagged ones of this file system.',
    });

    this.nodeIdentity = new PodIdentity(this, 'NodeIdentity', {
      cluster: props.cluster,
      namespace: props.chart.namespace,
      serviceAccount: EFS_NODE_SERVICE_ACCOUNT,
      statements: [
        new iam.PolicyStatement({
          actions: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite', 'elasticfilesystem:DescribeMountTargets'],
          resources: [fsArn],
        }),
      ],
    });

    this.chart = installChart(this, props.cluster, 'aws-efs-csi-driver', props.chart, {
      defaults: { controller: { nodeSelector: ON_DEMAND_SELECTOR }, storageClasses: [] },
      overrides: {
        controller: { serviceAccount: { create: true, name: EFS_CONTROLLER_SERVICE_ACCOUNT } },
        node: { serviceAccount: { create: true, name: EFS_NODE_SERVICE_ACCOUNT } },
      },
    });
    this.chart.node.addDependency(this.controllerIdentity.association, this.nodeIdentity.association);
  }
}
