import * as eks from 'aws-cdk-lib/aws-eks-v2';
import { Construct } from 'constructs';

export interface VpcCniProps {
  readonly cluster: eks.Cluster;
  /** EKS add-on version; "" lets EKS choose its default for the cluster version. */
  readonly addonVersion: string;
}

/**
 * The VPC CNI as a managed EKS add-on with its network policy agent on, so
 * the chart's NetworkPolicy is enforced (the self-managed default CNI
 * ignores NetworkPolicy objects).
 */
export class VpcCni extends Construct {
  readonly addon: eks.Addon;

  constructor(scope: Construct, id: string, props: VpcCniProps) {
    super(scope, id);
    this.addon = new eks.Addon(this, 'Addon', {
      cluster: props.cluster,
      addonName: 'vpc-cni',
      addonVersion: props.addonVersion || undefined,
      configurationValues: { enableNetworkPolicy: 'true' },
    });
    // Take over the CNI that EKS installed at cluster creation.
    (this.addon.node.defaultChild as eks.CfnAddon).resolveConflicts = 'OVERWRITE';
  }
}
