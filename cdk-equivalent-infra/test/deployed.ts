/**
 * Sample values for what CloudFormation resolves at deploy time (references
 * to resources of the stack), so tests can read outputs and generated values
 * as a deployment would produce them. A reference with no sample throws.
 */
export const SAMPLE = {
  region: 'eu-west-1',
  account: '111122223333',
  dbHost: 'moodle.abcdefghijkl.eu-west-1.rds.amazonaws.com',
  redisHost: 'master.dev-moodle.abc123.euw1.cache.amazonaws.com',
  fileSystemId: 'fs-0123456789abcdef0',
  accessPointId: 'fsap-0123456789abcdef0',
  wafArn: 'arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/prod-moodle/00000000-0000-0000-0000-000000000000',
  vpcCidr: '10.40.0.0/16',
  certificateArn: 'arn:aws:acm:eu-west-1:111122223333:certificate/00000000-0000-0000-0000-000000000000',
  targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/prod-moodle-web/0123456789abcdef',
  distributionDomain: 'd111111abcdef8.cloudfront.net',
  filesBucket: 'moodle-prod-moodlefilesbucket027d91f7-0123456789ab',
};

/** A value CloudFormation would give a reference; unknown references fail the test. */
function sample(p: any, clusterName: string): string {
  const [id, attr] = p.Ref ? [p.Ref, 'Ref'] : p['Fn::GetAtt'];
  const rules: [RegExp, string, string][] = [
    [/^AWS::Region$/, 'Ref', SAMPLE.region],
    [/^AWS::AccountId$/, 'Ref', SAMPLE.account],
    [/^AWS::URLSuffix$/, 'Ref', 'amazonaws.com'],
    [/^ImageRepository/, 'Ref', `${clusterName}/moodle`],
    [/^ImageRepository/, 'Arn', `arn:aws:ecr:${SAMPLE.region}:${SAMPLE.account}:repository/${clusterName}/moodle`],
    [/^EksCluster[0-9A-F]{8}$/, 'Ref', clusterName],
    [/^DatabaseInstance/, 'Endpoint.Address', SAMPLE.dbHost],
    [/^DatabaseInstance/, 'Endpoint.Port', '5432'],
    [/^CacheReplicationGroup/, 'PrimaryEndPoint.Address', SAMPLE.redisHost],
    [/^CacheReplicationGroup/, 'PrimaryEndPoint.Port', '6379'],
    [/^MoodledataFileSystemMoodledata/, 'Ref', SAMPLE.accessPointId],
    [/^MoodledataFileSystem[0-9A-F]{8}$/, 'Ref', SAMPLE.fileSystemId],
    [/^WafWebAcl/, 'Arn', SAMPLE.wafArn],
    [/^Certificate[0-9A-F]{8}$/, 'Ref', SAMPLE.certificateArn],
    [/^NetworkVpc/, 'CidrBlock', SAMPLE.vpcCidr],
    [/^EdgeOriginWeb/, 'Ref', SAMPLE.targetGroupArn],
    [/^MoodleFilesBucket/, 'Ref', SAMPLE.filesBucket],
    [/^EdgeDeliveryDistribution/, 'DomainName', SAMPLE.distributionDomain],
  ];
  const hit = rules.find(([re, a]) => re.test(id) && a === attr);
  if (!hit) throw new Error(`no sample for ${id}.${attr}`);
  return hit[2];
}

/** A template value (an output's, a property's) as deploy would render it. */
export function rendered(value: any, clusterName: string): string {
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  if (value['Fn::Join']) return value['Fn::Join'][1].map((p: unknown) => rendered(p, clusterName)).join(value['Fn::Join'][0]);
  if (value['Fn::Select']) {
    const [index, list] = value['Fn::Select'];
    const items = list['Fn::Split'] ? rendered(list['Fn::Split'][1], clusterName).split(list['Fn::Split'][0]) : list;
    return rendered(items[index], clusterName);
  }
  return sample(value, clusterName);
}

