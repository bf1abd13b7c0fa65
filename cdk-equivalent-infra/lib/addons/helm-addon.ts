import { Duration } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import { Construct } from 'constructs';
import { readAddonFile } from '../addon-versions';
import { AddonChart, AddonName } from '../config';
import { deepMerge, Json } from '../merge';

/** Pods of cluster controllers go to On-Demand nodes (standard EKS label). */
export const ON_DEMAND_SELECTOR = { 'eks.amazonaws.com/capacityType': 'ON_DEMAND' };

export interface AddonValues {
  /** Values used when k8s/addons/<name>/values.yaml does not exist. */
  readonly defaults: Json;
  /** Values the cluster determines, applied over either base. */
  readonly overrides: Json;
  /** Values that replace the base's key whole instead of merging into it. */
  readonly replaced?: Json;
}

/**
 * Installs one pinned add-on chart (release name = add-on name) with the
 * shared values file of k8s/addons/ as its base. An oci:// repository is a
 * registry path: the chart reference is <repository>/<chart>.
 */
export function installChart(scope: Construct, cluster: eks.Cluster, name: AddonName, chart: AddonChart, values: AddonValues): eks.HelmChart {
  const base = readAddonFile(`${name}/values.yaml`) ?? values.defaults;
  const oci = chart.repository.startsWith('oci://');
  return new eks.HelmChart(scope, 'Chart', {
    cluster,
    release: name,
    chart: chart.chart,
    repository: oci ? `${chart.repository}/${chart.chart}` : chart.repository,
    version: chart.version,
    namespace: chart.namespace,
    createNamespace: chart.namespace !== 'kube-system',
    values: { ...deepMerge(base, values.overrides), ...values.replaced },
    wait: true,
    timeout: Duration.minutes(10),
  });
}
