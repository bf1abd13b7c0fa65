import * as eks from 'aws-cdk-lib/aws-eks-v2';
import { Construct } from 'constructs';
import { AddonChart } from '../config';
import { installChart, ON_DEMAND_SELECTOR } from './helm-addon';

export interface MetricsServerProps {
  readonly cluster: eks.Cluster;
  readonly chart: AddonChart;
  readonly replicas: number;
}

/** metrics-server, for the chart's HorizontalPodAutoscaler. Needs no AWS permissions. */
export class MetricsServer extends Construct {
  readonly chart: eks.HelmChart;

  constructor(scope: Construct, id: string, props: MetricsServerProps) {
    super(scope, id);
    this.chart = installChart(this, props.cluster, 'metrics-server', props.chart, {
      defaults: {
        replicas: props.replicas,
        nodeSelector: ON_DEMAND_SELECTOR,
        podDisruptionBudget: { enabled: props.replicas > 1, minAvailable: 1 },
      },
      overrides: {},
    });
  }
}
