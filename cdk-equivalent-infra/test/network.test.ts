import { strict as assert } from 'assert';
import { describe, it } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { CONFIGS, profile, template } from './helpers';

for (const config of CONFIGS) {
  describe(`VPC (${config})`, () => {
    const t = template(config);
    const p = profile(config);

    it('has public, node and data subnets in each of azCount AZs', () => {
      t.resourceCountIs('AWS::EC2::Subnet', 3 * p.azCount);
      const azIndexes = Object.values(t.findResources('AWS::EC2::Subnet'))
        .map((s: any) => JSON.stringify(s.Properties.AvailabilityZone));
      assert.equal(new Set(azIndexes).size, p.azCount);
    });

    it('has the configured number of NAT gateways', () => {
      t.resourceCountIs('AWS::EC2::NatGateway', p.natGateways);
    });

    it('has an S3 gateway endpoint and the configured interface endpoints', () => {
      t.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        VpcEndpointType: 'Gateway',
        ServiceName: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('\\.s3$')])] }),
      });
      const interfaces = Object.values(t.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } }));
      assert.equal(interfaces.length, p.interfaceEndpoints.length);
      for (const name of p.interfaceEndpoints) {
        assert.ok(JSON.stringify(interfaces).includes(`.${name}"`), `no interface endpoint for ${name}`);
      }
    });

    it('logs rejected traffic', () => {
      t.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'REJECT', LogDestinationType: 'cloud-watch-logs' });
    });

    it('tags subnets for the load balancer controller', () => {
      t.resourcePropertiesCountIs('AWS::EC2::Subnet', { Tags: Match.arrayWith([{ Key: 'kubernetes.io/role/elb', Value: '1' }]) }, p.azCount);
      t.resourcePropertiesCountIs('AWS::EC2::Subnet', { Tags: Match.arrayWith([{ Key: 'kubernetes.io/role/internal-elb', Value: '1' }]) }, p.azCount);
    });
  });
}
