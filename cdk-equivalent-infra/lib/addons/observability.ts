import { Validations } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { PodIdentity } from '../pod-identity';

export interface ObservabilityProps {
  readonly cluster: eks.Cluster;
  /** EKS add-on version; "" lets EKS pick its default for the cluster version. */
  readonly addonVersion: string;
}

export const CLOUDWATCH_NAMESPACE = 'amazon-cloudwatch';
export const CLOUDWATCH_SERVICE_ACCOUNT = 'cloudwatch-agent';

/**
 * Container Insights through the EKS add-on amazon-cloudwatch-observability
 * (CloudWatch agent and Fluent Bit), its agent credentialed by Pod Identity.
 */
export class Observability extends Construct {
  readonly addon: eks.Addon;
  readonly identity: PodIdentity;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const policy = 'CloudWatchAgentServerPolicy';
    this.identity = new PodIdentity(this, 'Identity', {
      cluster: props.cluster,
      namespace: CLOUDWATCH_NAMESPACE,
      serviceAccount: CLOUDWATCH_SERVICE_ACCOUNT,
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName(policy)],
    });
    Validations.of(this.identity.role).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${policy}]`,
      reason: 'CloudWatchAgentServerPolicy is the policy AWS documents for this add-on and tracks the metrics and log APIs the agent version calls.',
    });
    this.addon = new eks.Addon(this, 'Addon', {
      cluster: props.cluster,
      addonName: 'amazon-cloudwatch-observability',
      addonVersion: props.addonVersion || undefined,
    });
    this.addon.node.addDependency(this.identity.association);
  }
}
