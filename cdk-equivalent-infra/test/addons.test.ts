import { strict as assert } from 'assert';
import { describe, it } from 'node:test';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { resolveAddonVersions } from '../lib/addon-versions';
import { autoscalerImageTag } from '../lib/addons/cluster-autoscaler';
import { buildApp } from '../lib/app';
import { ADDON_NAMES } from '../lib/config';
import { ADMIN_PRINCIPAL, API_CIDRS, CONFIGS, cdkJsonContext, profile, template } from './helpers';

const HELM = 'Custom::AWSCDK-EKS-HelmChart';
const ON_DEMAND = { 'eks.amazonaws.com/capacityType': 'ON_DEMAND' };

/** The HelmChart custom resource of a release, with its values parsed. */
function chart(t: Template, release: string): { props: any; values: any } {
  const found = Object.values(t.findResources(HELM, { Properties: { Release: release } })) as any[];
  assert.equal(found.length, 1, `expected one Helm release ${release}, found ${found.length}`);
  const props = found[0].Properties;
  // Values are a JSON string, or an Fn::Join when they hold deploy-time
  // references (always inside JSON strings): those read as REF(id) or GETATT(id.attr).
  const token = (p: any) => (p.Ref ? `REF(${p.Ref})` : p['Fn::GetAtt'] ? `GETATT(${p['Fn::GetAtt'].join('.')})` : 'TOKEN');
  const raw = typeof props.Values === 'string'
    ? props.Values
    : props.Values['Fn::Join'][1].map((p: unknown) => (typeof p === 'string' ? p : token(p))).join('');
  return { props, values: JSON.parse(raw) };
}

/** Pod Identity associations as namespace/serviceAccount strings. */
function associations(t: Template): string[] {
  return Object.values(t.findResources('AWS::EKS::PodIdentityAssociation'))
    .map((a: any) => `${a.Properties.Namespace}/${a.Properties.ServiceAccount}`).sort();
}

const expected = resolveAddonVersions({ tryGetContext: (k: string) => cdkJsonContext()[k] }).versions;

for (const config of CONFIGS) {
  describe(`cluster add-ons (${config})`, () => {
    const t = template(config);
    const clusterName = `${profile(config).envName}-moodle`;

    for (const name of ADDON_NAMES) {
      it(`installs ${name} at its pinned chart version`, () => {
        const { props } = chart(t, name);
        const pin = expected[name];
        assert.equal(props.Version, pin.version);
        assert.equal(props.Namespace, pin.namespace);
        assert.equal(props.Chart, pin.chart);
        assert.equal(props.Repository, pin.repository.startsWith('oci://') ? `${pin.repository}/${pin.chart}` : pin.repository);
        assert.equal(props.Wait, true);
      });
    }

    it('gives Pod Identity roles to exactly the controllers (and Moodle, for its files) that call AWS', () => {
      const ns = 'kube-system';
      const want = [
        `${ns}/aws-load-balancer-controller`,
        `${ns}/cluster-autoscaler`,
        `${ns}/efs-csi-controller-sa`,
        `${ns}/efs-csi-node-sa`,
        ...(profile(config).containerInsights ? ['amazon-cloudwatch/cloudwatch-agent'] : []),
        ...(profile(config).objectStorage.enabled ? ['moodle/moodle'] : []),
      ].sort();
      assert.deepEqual(associations(t), want);
      t.hasResourceProperties('AWS::EKS::Addon', { AddonName: 'eks-pod-identity-agent' });
    });

    it('trusts only the EKS Pod Identity service in those roles', () => {
      const roles = Object.values(t.findResources('AWS::IAM::Role'))
        .filter((r: any) => JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('pods.eks.amazonaws.com')) as any[];
      assert.equal(roles.length, associations(t).length);
      for (const r of roles) {
        for (const s of r.Properties.AssumeRolePolicyDocument.Statement) {
          assert.deepEqual(s.Principal, { Service: 'pods.eks.amazonaws.com' });
        }
      }
    });

    it('runs Cluster Autoscaler with the priority expander on On-Demand nodes, for this cluster', () => {
      const { values } = chart(t, 'cluster-autoscaler');
      assert.equal(values.extraArgs.expander, 'priority');
      assert.equal(values.autoDiscovery.clusterName, clusterName);
      assert.deepEqual(values.nodeSelector, ON_DEMAND);
      assert.equal(values.rbac.serviceAccount.name, 'cluster-autoscaler');
    });

    it('runs the Cluster Autoscaler release of the cluster\'s Kubernetes minor', () => {
      const { values } = chart(t, 'cluster-autoscaler');
      const minor = profile(config).kubernetesVersion;
      assert.match(values.image.tag, new RegExp(`^v${minor.replace('.', '\\.')}\\.\\d+$`));
      assert.equal(values.image.tag, `v${expected['cluster-autoscaler'].appVersion}`);
    });

    it('ranks large Spot, then xlarge Spot, then On-Demand through the chart\'s expanderPriorities, by node group name', () => {
      const { values } = chart(t, 'cluster-autoscaler');
      // The chart makes the priority ConfigMap from this value; nothing hand-written beside it.
      const manifests = Object.values(t.findResources('Custom::AWSCDK-EKS-KubernetesResource')) as any[];
      assert.ok(!manifests.some((m) => JSON.stringify(m.Properties.Manifest ?? '').includes('priority-expander')),
        'a hand-written priority expander ConfigMap');
      const table = values.expanderPriorities as Record<string, string[]>;
      assert.ok(table && Object.keys(table).length > 0, 'no expanderPriorities');
      const rank = (asg: string) => Math.max(-1, ...Object.entries(table)
        .filter(([, patterns]) => patterns.some((re) => new RegExp(re).test(asg))).map(([n]) => Number(n)));
      const asg = (group: string) => `eks-${group}-0ac8f6d2-1111-2222-3333-444455556666`;
      const name = (g: any) => g.Properties.NodegroupName as string;
      const groups = Object.values(t.findResources('AWS::EKS::Nodegroup')) as any[];
      const spot = Object.keys(profile(config).spot).map((size) => groups.find((g) => name(g) === `${clusterName}-spot-${size}`));
      const onDemand = groups.find((g) => g.Properties.CapacityType === 'ON_DEMAND');
      const ranks = [...spot, onDemand].map((g) => rank(asg(name(g))));
      assert.deepEqual(Object.keys(profile(config).spot), ['large', 'xlarge']);
      for (let i = 1; i < ranks.length; i++) {
        assert.ok(ranks[i - 1] > ranks[i], `priorities not strictly falling: ${[...spot, onDemand].map((g, j) => `${name(g)} ${ranks[j]}`).join(', ')}`);
      }
      assert.ok(ranks.at(-1)! >= 0, 'On-Demand matches no pattern');
    });

    it('limits the autoscaler\'s scaling actions to ASGs owned by this cluster', () => {
      t.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({
            Action: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'],
            Condition: { StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${clusterName}`]: 'owned' } },
          })]),
        },
      });
    });

    it('points the load balancer controller at this cluster and VPC, on On-Demand nodes', () => {
      const { values } = chart(t, 'aws-load-balancer-controller');
      const [clusterId] = Object.keys(t.findResources('AWS::EKS::Cluster'));
      const [vpcId] = Object.keys(t.findResources('AWS::EC2::VPC'));
      assert.equal(values.clusterName, `REF(${clusterId})`);
      assert.equal(values.vpcId, `REF(${vpcId})`);
      assert.equal(values.region, 'REF(AWS::Region)');
      assert.equal(values.serviceAccount.name, 'aws-load-balancer-controller');
      assert.deepEqual(values.nodeSelector, ON_DEMAND);
    });

    it('runs Node Termination Handler in IMDS mode, needing no IAM role', () => {
      const { values } = chart(t, 'aws-node-termination-handler');
      assert.equal(values.enableSqsTerminationDraining, false);
      assert.equal(values.enableSpotInterruptionDraining, true);
    });

    it('installs the VPC CNI add-on with network policy enforcement', () => {
      t.hasResourceProperties('AWS::EKS::Addon', {
        AddonName: 'vpc-cni',
        ResolveConflicts: 'OVERWRITE',
        ConfigurationValues: Match.serializedJson({ enableNetworkPolicy: 'true' }),
      });
    });

    it('orders every add-on chart after the On-Demand node group', () => {
      const [ondemand] = Object.keys(t.findResources('AWS::EKS::Nodegroup', { Properties: { CapacityType: 'ON_DEMAND' } }));
      for (const name of ADDON_NAMES) {
        const [res] = Object.values(t.findResources(HELM, { Properties: { Release: name } })) as any[];
        assert.ok(([] as string[]).concat(res.DependsOn ?? []).includes(ondemand), `${name} does not wait for ${ondemand}`);
      }
    });
  });
}

describe('Cluster Autoscaler version against the cluster version', () => {
  const pin = expected['cluster-autoscaler'];

  it('refuses a release whose minor differs from the cluster\'s, naming both', () => {
    assert.throws(() => autoscalerImageTag({ ...pin, appVersion: '1.35.0' }, '1.36'),
      /Cluster Autoscaler 1\.35\.0 does not match the cluster's Kubernetes 1\.36/);
    assert.throws(() => autoscalerImageTag({ ...pin, appVersion: undefined }, '1.36'), /names no appVersion/);
    assert.equal(autoscalerImageTag({ ...pin, appVersion: '1.36.1' }, '1.36'), 'v1.36.1');
  });

  it('fails the app when the cluster runs another minor than the pinned autoscaler', () => {
    const other = pin.appVersion!.startsWith('1.36.') ? '1.35' : '1.36';
    assert.throws(() => buildApp({ context: { ...cdkJsonContext(), adminPrincipalArn: ADMIN_PRINCIPAL, endpointPublicCidrs: API_CIDRS, kubernetesVersion: other } }),
      /does not match the cluster's Kubernetes/);
  });
});
