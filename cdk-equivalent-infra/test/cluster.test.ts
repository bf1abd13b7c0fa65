import { strict as assert } from 'assert';
import { describe, it } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { ADMIN_PRINCIPAL, API_CIDRS, CONFIGS, profile, synthesized, template } from './helpers';

for (const config of CONFIGS) {
  describe(`EKS cluster and node groups (${config})`, () => {
    const t = template(config);
    const p = profile(config);
    const clusterName = `${p.envName}-moodle`;

    it('runs the configured Kubernetes version with all control-plane logs and encrypted secrets', () => {
      t.hasResourceProperties('AWS::EKS::Cluster', {
        Name: clusterName,
        Version: p.kubernetesVersion,
        Logging: { ClusterLogging: { EnabledTypes: Match.arrayWith([{ Type: 'api' }, { Type: 'audit' }, { Type: 'authenticator' }]) } },
        EncryptionConfig: [Match.objectLike({ Resources: ['secrets'] })],
        ResourcesVpcConfig: Match.objectLike({ EndpointPrivateAccess: true }),
      });
    });

    it('lets only the configured ranges reach the public API endpoint', () => {
      t.hasResourceProperties('AWS::EKS::Cluster', {
        ResourcesVpcConfig: Match.objectLike({ EndpointPublicAccess: true, EndpointPrivateAccess: true, PublicAccessCidrs: API_CIDRS }),
      });
    });

    it('gives the operator\'s principal cluster admin through an access entry', () => {
      const entries = Object.values(t.findResources('AWS::EKS::AccessEntry', { Properties: { PrincipalArn: ADMIN_PRINCIPAL } })) as any[];
      assert.equal(entries.length, 1, 'no access entry for the admin principal');
      const [policy] = entries[0].Properties.AccessPolicies;
      assert.deepEqual(policy.AccessScope, { Type: 'cluster' });
      assert.match(JSON.stringify(policy.PolicyArn), /:eks::aws:cluster-access-policy\/AmazonEKSClusterAdminPolicy"/);
    });

    it('has one On-Demand group and one Spot group per size class', () => {
      const groups = t.findResources('AWS::EKS::Nodegroup');
      const byCapacity = (c: string) => Object.values(groups).filter((g: any) => g.Properties.CapacityType === c);
      assert.equal(byCapacity('ON_DEMAND').length, 1);
      assert.equal(byCapacity('SPOT').length, Object.keys(p.spot).length);
    });

    it('gives the On-Demand group its instance types, size and labels', () => {
      t.hasResourceProperties('AWS::EKS::Nodegroup', {
        NodegroupName: `${clusterName}-on-demand`,
        CapacityType: 'ON_DEMAND',
        InstanceTypes: p.onDemand.instanceTypes,
        AmiType: 'AL2023_x86_64_STANDARD',
        ScalingConfig: { MinSize: p.onDemand.minSize, DesiredSize: p.onDemand.desiredSize, MaxSize: p.onDemand.maxSize },
        Labels: { 'moodlecache.io/capacity': 'on-demand' },
      });
    });

    for (const size of Object.keys(p.spot)) {
      it(`gives the Spot ${size} group several similar instance types and the spot label`, () => {
        assert.ok(p.spot[size].instanceTypes.length >= 3, 'a Spot group should diversify over at least 3 types');
        t.hasResourceProperties('AWS::EKS::Nodegroup', {
          NodegroupName: `${clusterName}-spot-${size}`,
          CapacityType: 'SPOT',
          InstanceTypes: p.spot[size].instanceTypes,
          Labels: { 'moodlecache.io/capacity': 'spot', 'moodlecache.io/size': size },
        });
      });
    }

    it('taints no node group (web pods run on Spot; placement is by affinity)', () => {
      for (const [id, g] of Object.entries(t.findResources('AWS::EKS::Nodegroup'))) {
        assert.equal((g as any).Properties.Taints, undefined, `${id} has taints`);
      }
    });

    it('tags every node group for Cluster Autoscaler auto-discovery', () => {
      for (const [id, g] of Object.entries(t.findResources('AWS::EKS::Nodegroup'))) {
        const tags = (g as any).Properties.Tags;
        assert.equal(tags['k8s.io/cluster-autoscaler/enabled'], 'true', id);
        assert.equal(tags[`k8s.io/cluster-autoscaler/${clusterName}`], 'owned', id);
      }
    });

    it('places the nodes in the private node subnets, one per AZ', () => {
      for (const g of Object.values(t.findResources('AWS::EKS::Nodegroup'))) {
        assert.equal((g as any).Properties.Subnets.length, p.azCount);
      }
    });
  });
}

describe('EKS cluster with a private API endpoint', () => {
  const { template: t, stack } = synthesized('default', { endpointAccess: 'private', endpointPublicCidrs: [] });

  it('has no public endpoint, and the kubectl provider runs in the VPC', () => {
    t.hasResourceProperties('AWS::EKS::Cluster', {
      ResourcesVpcConfig: Match.objectLike({ EndpointPublicAccess: false, EndpointPrivateAccess: true }),
    });
    const handlers = Object.values(t.findResources('AWS::Lambda::Function')).filter((f: any) => f.Properties.VpcConfig) as any[];
    assert.ok(handlers.length > 0, 'no Lambda in the VPC: CloudFormation could not reach a private endpoint');
  });

  it('outputs the cluster security group for a CloudShell VPC environment (README, Connect)', () => {
    assert.ok(t.findOutputs('ClusterSecurityGroupId').ClusterSecurityGroupId);
    assert.equal(stack.stackName, 'moodle-dev');
  });
});
