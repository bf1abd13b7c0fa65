import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { describe, it } from 'node:test';
import Ajv from 'ajv';
import * as YAML from 'yaml';
import { deepMerge } from '../lib/merge';
import { chartValues } from '../lib/chart-values';
import { main, valuesFromOutputs } from '../scripts/chart-values';
import { CONFIGS, profile, template } from './helpers';
import { rendered, SAMPLE } from './deployed';
import { scratchDir } from './scratch';

const CHART = path.join(__dirname, '..', '..', 'k8s', 'charts', 'moodle');
const NO_CHART = !fs.existsSync(path.join(CHART, 'values.schema.json')) && 'k8s/charts/moodle is absent';
const CHART_OUTPUTS = [
  'ClusterName', 'Region', 'UpdateKubeconfigCommand', 'ClusterSecurityGroupId',
  'RdsEndpoint', 'RdsPort', 'RdsDatabaseName', 'RdsSecretArn',
  'RedisEndpoint', 'RedisPort', 'RedisTls', 'RedisAuthSecretArn',
  'EfsFileSystemId', 'EfsAccessPointId', 'VpcCidr', 'EcrRepositoryUri', 'ChartValues',
];

for (const config of CONFIGS) {
  describe(`outputs (${config})`, () => {
    const t = template(config);
    const outputs = t.findOutputs('*');
    const clusterName = `${profile(config).envName}-moodle`;

    it('has every output the chart and the README use', () => {
      for (const name of CHART_OUTPUTS) assert.ok(outputs[name], `missing output ${name}`);
      assert.equal(Boolean(outputs.WafAclArn), config === 'production', 'WafAclArn only where WAF is on');
      for (const name of ['SiteUrl', 'DistributionDomainName', 'OriginTargetGroupArn']) {
        assert.equal(Boolean(outputs[name]), profile(config).cloudFront.enabled, `${name} only where CloudFront is on`);
      }
      for (const name of ['MoodleFilesBucket', 'MoodleFilesRoleArn']) {
        assert.equal(Boolean(outputs[name]), profile(config).objectStorage.enabled, `${name} only where files are on S3`);
      }
      assert.equal(Boolean(outputs.CertificateArn), config === 'production', 'CertificateArn only where a certificate is configured');
    });

    it('gives the kubeconfig command for this cluster', () => {
      assert.equal(rendered(outputs.UpdateKubeconfigCommand.Value, clusterName), `aws eks update-kubeconfig --region eu-west-1 --name ${clusterName}`);
    });

    const values = JSON.parse(rendered(outputs.ChartValues.Value, clusterName));

    it('maps the resources onto the chart values', () => {
      const p = profile(config);
      assert.deepEqual(values.image, { repository: `${SAMPLE.account}.dkr.ecr.${SAMPLE.region}.amazonaws.com/${clusterName}/moodle` });
      assert.deepEqual(values.database, { type: 'pgsql', host: SAMPLE.dbHost, port: 5432, name: p.database.databaseName, user: p.database.username });
      // The near cache set explicitly, as the configuration says (not the chart's defaults).
      assert.deepEqual(values.redis, { enabled: true, host: SAMPLE.redisHost, port: 6379, tls: true, auth: true, nearCache: p.nearCache });
      assert.deepEqual(p.nearCache, { enabled: true, size: '64M' });
      assert.deepEqual(values.persistence, {
        enabled: true, mode: 'static', fileSystemId: SAMPLE.fileSystemId, accessPointId: SAMPLE.accessPointId, encryptInTransit: true,
      });
      assert.equal(values.secrets.existingSecret, 'moodle-credentials');
      assert.deepEqual(values.serviceAccount, { create: true, name: 'moodle' });
      assert.deepEqual(values.objectStorage, p.objectStorage.enabled ? { enabled: true, bucket: SAMPLE.filesBucket, region: SAMPLE.region } : undefined);
      if (p.cloudFront.enabled) {
        // The production test context has a domain: the site is https://<domain> through CloudFront.
        assert.deepEqual(values.moodle, { wwwroot: 'https://learn.example.org', sslProxy: true, reverseProxy: false });
        assert.deepEqual(values.ingress, { enabled: false });
        assert.deepEqual(values.targetGroupBinding, { enabled: true, targetGroupArn: SAMPLE.targetGroupArn });
      } else {
        assert.deepEqual(values.ingress, { enabled: true, className: 'alb', certificateArn: '', wafAclArn: '' });
        assert.equal(values.targetGroupBinding, undefined);
      }
      assert.deepEqual(values.networkPolicy, { ingressCidrs: [SAMPLE.vpcCidr], egressCidrs: [SAMPLE.vpcCidr] });
    });

    it('spreads web pods over zones softly, as every node group spans several AZs', () => {
      const groups = Object.values(t.findResources('AWS::EKS::Nodegroup')) as any[];
      assert.ok(groups.every((g) => g.Properties.Subnets.length > 1), 'a single-AZ node group: zone spread could be DoNotSchedule');
      assert.equal(values.topologySpread?.zone?.whenUnsatisfiable, 'ScheduleAnyway');
    });

    it('is valid for the chart\'s values.schema.json', { skip: NO_CHART }, () => {
      assert.deepEqual(chartSchemaErrors(deepMerge({ moodle: { wwwroot: 'https://learn.example.org' } }, values)), []);
    });
  });
}

/** Errors of values (merged over the chart's defaults) against values.schema.json. */
function chartSchemaErrors(values: Record<string, unknown>): unknown[] {
  const schema = JSON.parse(fs.readFileSync(path.join(CHART, 'values.schema.json'), 'utf8'));
  const defaults = YAML.parse(fs.readFileSync(path.join(CHART, 'values.yaml'), 'utf8'));
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  return validate(deepMerge(defaults, values)) ? [] : validate.errors ?? [];
}

describe('chartValues() without CloudFront: the chart\'s Ingress with certificate and WAF', () => {
  const values = chartValues({
    databaseHost: SAMPLE.dbHost, databasePort: 5432, databaseName: 'moodle', databaseUser: 'moodle',
    redisHost: SAMPLE.redisHost, redisPort: 6379, nearCache: { enabled: false, size: '64M' }, fileSystemId: SAMPLE.fileSystemId, accessPointId: SAMPLE.accessPointId,
    vpcCidr: SAMPLE.vpcCidr, imageRepository: 'r', region: SAMPLE.region, certificateArn: SAMPLE.certificateArn, wafAclArn: SAMPLE.wafArn,
  });

  it('passes the near cache as configured, off included', () => {
    assert.deepEqual((values.redis as any).nearCache, { enabled: false, size: '64M' });
  });

  it('maps the certificate and web ACL onto the Ingress, with no TargetGroupBinding', () => {
    assert.deepEqual(values.ingress, { enabled: true, className: 'alb', certificateArn: SAMPLE.certificateArn, wafAclArn: SAMPLE.wafArn });
    assert.equal(values.targetGroupBinding, undefined);
  });

  it('is valid for the chart\'s values.schema.json', { skip: NO_CHART }, () => {
    assert.deepEqual(chartSchemaErrors({ ...values, moodle: { wwwroot: 'https://learn.example.org' } }), []);
  });
});

describe('scripts/chart-values.ts', () => {
  const outputs = { 'moodle-dev': { ChartValues: JSON.stringify({ database: { host: 'db.example' } }), ClusterName: 'dev-moodle' } };

  it('turns a cdk outputs file into a values YAML', () => {
    const file = path.join(scratchDir('chart-values-'), 'outputs.json');
    fs.writeFileSync(file, JSON.stringify(outputs));
    assert.deepEqual(YAML.parse(main([file])), { database: { host: 'db.example' } });
  });

  it('asks for the stack name when the file has several stacks', () => {
    assert.throws(() => valuesFromOutputs({ ...outputs, 'moodle-prod': outputs['moodle-dev'] }), /name the stack/);
    assert.deepEqual(valuesFromOutputs({ ...outputs, 'moodle-prod': outputs['moodle-dev'] }, 'moodle-prod'), { database: { host: 'db.example' } });
  });

  it('fails on a stack without ChartValues', () => {
    assert.throws(() => valuesFromOutputs({ other: { X: '1' } }), /no ChartValues output/);
  });
});
