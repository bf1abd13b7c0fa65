import * as eks from 'aws-cdk-lib/aws-eks-v2';
import { Construct } from 'constructs';
import { AddonChart } from '../config';
import { installChart } from './helm-addon';

export interface NodeTerminationHandlerProps {
  readonly cluster: eks.Cluster;
  readonly chart: AddonChart;
}

/**
 * AWS Node Termination Handler in IMDS mode: a DaemonSet on the nodes that
 * cordons and drains a node on its two-minute interruption notice or a
 * scheduled maintenance event, so Moodle pods get their grace period. IMDS
 * mode reads only instance metadata and needs no IAM role (queue mode would
 * need an SQS queue, EventBridge rules and ASG lifecycle hooks; managed node
 * groups already drain on scale-in and on rebalance recommendations).
 */
export class NodeTerminationHandler extends Construct {
  readonly chart: eks.HelmChart;

  constructor(scope: Construct, id: string, props: NodeTerminationHandlerProps) {
    super(scope, id);
    this.chart = installChart(this, props.cluster, 'aws-node-termination-handler', props.chart, {
      defaults: {
        enableSpotInterruptionDraining: true,
        enableScheduledEventDraining: true,
        podTerminationGracePeriod: -1,
      },
      // IMDS mode: this app creates no queue for NTH to read.
      overrides: { enableSqsTerminationDraining: false },
    });
  }
}
