import * as fs from 'fs';
import * as path from 'path';
import { Annotations, Aws, Validations } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { AddonChart } from '../config';
import { PodIdentity } from '../pod-identity';
import { installChart, ON_DEMAND_SELECTOR } from './helm-addon';

export interface LoadBalancerControllerProps {
  readonly cluster: eks.Cluster;
  readonly chart: AddonChart;
  readonly replicas: number;
}

export const ALB_SERVICE_ACCOUNT = 'aws-load-balancer-controller';

/**
 * AWS Load Balancer Controller: turns the chart's Ingress into an ALB (with
 * the ACM certificate and the WAF web ACL from its annotations). Its IAM
 * policy is the one the controller's project publishes for that version,
 * as bundled in aws-cdk-lib.
 */
export class LoadBalancerController extends Construct {
  readonly identity: PodIdentity;
  readonly chart: eks.HelmChart;

  constructor(scope: Construct, id: string, props: LoadBalancerControllerProps) {
    super(scope, id);
    const appVersion = controllerVersion(props.chart.version);
    const { document, policyVersion } = controllerPolicy(appVersion);
    if (policyVersion !== appVersion) {
      Annotations.of(this).addWarningV2('moodlecache:albPolicyVersion',
        `no bundled IAM policy for AWS Load Balancer Controller v${appVersion} (chart ${props.chart.version}); using v${policyVersion}'s`);
    }
    this.identity = new PodIdentity(this, 'Identity', {
      cluster: props.cluster,
      namespace: props.chart.namespace,
      serviceAccount: ALB_SERVICE_ACCOUNT,
      statements: document.Statement.map((s) => iam.PolicyStatement.fromJson(s)),
    });
    acknowledgeWildcards(this.identity, document);

    this.chart = installChart(this, props.cluster, 'aws-load-balancer-controller', props.chart, {
      defaults: { replicaCount: props.replicas, nodeSelector: ON_DEMAND_SELECTOR },
      overrides: {
        clusterName: props.cluster.clusterName,
        region: Aws.REGION,
        vpcId: props.cluster.vpc.vpcId,
        serviceAccount: { create: true, name: ALB_SERVICE_ACCOUNT },
        enableWafv2: true,
      },
    });
    this.chart.node.addDependency(this.identity.association);
  }
}

/**
 * One acknowledgement per wildcard resource of the published policy (read
 * from the same document, so a new controller version's new wildcard is
 * reviewed here rather than passing silently: it gets the generic reason
 * only if it matches a known kind).
 */
function acknowledgeWildcards(identity: PodIdentity, document: PolicyDocument): void {
  const policy = identity.node.findChild('Policy');
  const resources = new Set<string>();
  for (const st of document.Statement) {
    for (const r of ([] as unknown[]).concat(st.Resource ?? [])) {
      if (typeof r === 'string' && r.includes('*')) resources.add(r);
    }
  }
  for (const r of resources) {
    const reason = r === '*'
      ? 'Describe and Get calls of EC2, ELB, ACM, WAF, Shield and Cognito have no resource-level permissions; create calls carry a request-tag condition (published controller policy).'
      : /^arn:[^:]*:(elasticloadbalancing|ec2):\*:\*:(targetgroup|loadbalancer|listener|listener-rule|security-group)\//.test(r)
        ? 'Load balancers, listeners, rules, target groups and security groups are created by the controller at run time, so their ARNs are unknown; changes are limited by the elbv2.k8s.aws/cluster tag condition (published controller policy).'
        : undefined;
    if (reason === undefined) continue; // unreviewed: stays a cdk-nag finding
    Validations.of(policy).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::${r.replace(/^arn:[^:]*:/, 'arn:<AWS::Partition>:')}]`,
      reason,
    });
  }
}

interface PolicyDocument {
  Statement: Record<string, unknown>[];
}

/** Controller version of a chart version: chart 1.x.y ships controller v2.x.y; from 3.0.0 on they are equal. */
export function controllerVersion(chartVersion: string): string {
  const [major, minor, patch] = chartVersion.replace(/^v/, '').split('.');
  return major === '1' ? `2.${minor}.${patch}` : `${major}.${minor}.${patch}`;
}

/** The bundled policy of that controller version, else the newest bundled one. */
function controllerPolicy(wanted: string): { document: PolicyDocument; policyVersion: string } {
  const dir = path.join(path.dirname(require.resolve('aws-cdk-lib/aws-eks-v2')), 'lib', 'addons');
  const versions = fs.readdirSync(dir)
    .map((f) => /^alb-iam_policy-v(\d+\.\d+\.\d+)\.json$/.exec(f)?.[1])
    .filter((v): v is string => v !== undefined)
    .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  const policyVersion = versions.includes(wanted) ? wanted : versions[versions.length - 1];
  // The published policy names the commercial partition; follow the stack's.
  const text = fs.readFileSync(path.join(dir, `alb-iam_policy-v${policyVersion}.json`), 'utf8')
    .replace(/"arn:aws:/g, `"arn:${Aws.PARTITION}:`);
  const document = JSON.parse(text);
  return { document, policyVersion };
}
