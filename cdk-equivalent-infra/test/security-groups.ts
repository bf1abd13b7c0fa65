import { strict as assert } from 'assert';
import { Template } from 'aws-cdk-lib/assertions';

/** Ingress rules of a security group, whether inline or separate resources. */
export function ingressOf(t: Template, sgDescription: string): any[] {
  const [sgId, sg] = (Object.entries(t.findResources('AWS::EC2::SecurityGroup', { Properties: { GroupDescription: sgDescription } }))[0] ?? []) as [string, any];
  assert.ok(sgId, `no security group "${sgDescription}"`);
  const separate = Object.values(t.findResources('AWS::EC2::SecurityGroupIngress'))
    .map((r: any) => r.Properties)
    .filter((r: any) => JSON.stringify(r.GroupId).includes(sgId));
  return [...(sg.Properties.SecurityGroupIngress ?? []), ...separate];
}

/** Asserts that the only way in is the given port from the EKS cluster security group. */
export function admitsOnlyCluster(t: Template, sgDescription: string, port: number): void {
  const rules = ingressOf(t, sgDescription);
  assert.equal(rules.length, 1, `${sgDescription}: expected one ingress rule, got ${JSON.stringify(rules)}`);
  const [rule] = rules;
  assert.equal(rule.FromPort, port);
  assert.equal(rule.ToPort, port);
  assert.equal(rule.CidrIp, undefined);
  const source = rule.SourceSecurityGroupId?.['Fn::GetAtt'];
  assert.ok(Array.isArray(source), `${sgDescription}: source is not a security group reference`);
  assert.match(source[0], /^EksCluster/);
  assert.equal(source[1], 'ClusterSecurityGroupId');
}
