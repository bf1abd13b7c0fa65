import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { describe, it } from 'node:test';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as YAML from 'yaml';
import { CHART_WEB } from '../lib/chart-contract';
import { loadConfig } from '../lib/config';
import { STATIC_HANDLERS } from '../lib/content-delivery';
import { Edge } from '../lib/edge';
import { CLOUDFRONT_PREFIX_LIST, ORIGIN_HEADER } from '../lib/origin-load-balancer';
import { CLOUDFRONT_CERTIFICATE, contextOf, PRODUCTION_ZONE, template } from './helpers';
import { ingressOf } from './security-groups';

// AWS-managed CloudFront policies (their ids are fixed by AWS).
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER = '216adef6-5c7f-47e4-b989-5492eafa07d3';

const one = (t: Template, type: string): [string, any] => {
  const found = Object.entries(t.findResources(type));
  assert.equal(found.length, 1, `expected one ${type}, found ${found.length}`);
  return found[0] as [string, any];
};
const secretRef = (v: unknown) => JSON.stringify(v).match(/resolve:secretsmanager:","?\{"Ref":"([^"]+)"/)?.[1];

describe('CloudFront: off in the default configuration', () => {
  const t = template('default');
  it('has no distribution and no load balancer of its own (the chart\'s Ingress makes one)', () => {
    t.resourceCountIs('AWS::CloudFront::Distribution', 0);
    t.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 0);
  });
});

describe('CloudFront in front of the load balancer (production)', () => {
  const t = template('production');
  const [, dist] = one(t, 'AWS::CloudFront::Distribution');
  const config = dist.Properties.DistributionConfig;
  const [albId] = one(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
  const [tgId, tg] = one(t, 'AWS::ElasticLoadBalancingV2::TargetGroup');

  it('passes everything else through uncached: all methods, cookies, query strings, viewer headers', () => {
    const d = config.DefaultCacheBehavior;
    assert.equal(d.CachePolicyId, CACHING_DISABLED);
    assert.equal(d.OriginRequestPolicyId, ALL_VIEWER);
    assert.deepEqual([...d.AllowedMethods].sort(), ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT']);
    assert.equal(d.ViewerProtocolPolicy, 'redirect-to-https');
  });

  it('caches exactly Moodle\'s revisioned static handlers, by full URL and without cookies', () => {
    const behaviors = config.CacheBehaviors as any[];
    assert.deepEqual(behaviors.map((b) => b.PathPattern), STATIC_HANDLERS.map((p) => `${p}*`));
    const policies = new Set(behaviors.map((b) => b.CachePolicyId.Ref));
    assert.equal(policies.size, 1);
    const key = t.findResources('AWS::CloudFront::CachePolicy')[[...policies][0]].Properties.CachePolicyConfig;
    assert.deepEqual(key.ParametersInCacheKeyAndForwardedToOrigin.QueryStringsConfig, { QueryStringBehavior: 'all' });
    assert.deepEqual(key.ParametersInCacheKeyAndForwardedToOrigin.CookiesConfig, { CookieBehavior: 'none' });
    assert.deepEqual(key.ParametersInCacheKeyAndForwardedToOrigin.HeadersConfig, { HeaderBehavior: 'none' });
    assert.equal(key.DefaultTTL, 0, 'only what Moodle marks cacheable is cached');
    for (const b of behaviors) assert.deepEqual(b.AllowedMethods, ['GET', 'HEAD'], b.PathPattern);
  });

  it('names Moodle handlers that exist and stop after config (no session)', { skip: !process.env.MOODLE_DIR && 'MOODLE_DIR not set' }, () => {
    const root = fs.existsSync(path.join(process.env.MOODLE_DIR!, 'public/version.php')) ? 'public' : '';
    for (const handler of STATIC_HANDLERS) {
      const code = fs.readFileSync(path.join(process.env.MOODLE_DIR!, root, handler), 'utf8');
      assert.match(code, /define\('ABORT_AFTER_CONFIG', true\)/, handler);
    }
  });

  it('sends the secret origin header to the load balancer, over HTTPS when the site has its own name', () => {
    const [origin] = config.Origins;
    assert.deepEqual(origin.DomainName, { 'Fn::GetAtt': [albId, 'DNSName'] });
    assert.equal(origin.CustomOriginConfig.OriginProtocolPolicy, 'https-only');
    assert.deepEqual(origin.CustomOriginConfig.OriginSSLProtocols, ['TLSv1.2']);
    const header = origin.OriginCustomHeaders.find((h: any) => h.HeaderName === ORIGIN_HEADER);
    assert.ok(secretRef(header?.HeaderValue), 'header value is not the Secrets Manager secret');
  });

  it('serves the site\'s domain with the us-east-1 certificate, TLS 1.2+, and points the zone at it', () => {
    assert.deepEqual(config.Aliases, [PRODUCTION_ZONE.domainName]);
    assert.equal(config.ViewerCertificate.AcmCertificateArn, CLOUDFRONT_CERTIFICATE);
    assert.equal(config.ViewerCertificate.MinimumProtocolVersion, 'TLSv1.2_2021');
    for (const type of ['A', 'AAAA']) {
      t.hasResourceProperties('AWS::Route53::RecordSet', { Type: type, Name: `${PRODUCTION_ZONE.domainName}.`, AliasTarget: { DNSName: { 'Fn::GetAtt': [Object.keys(t.findResources('AWS::CloudFront::Distribution'))[0], 'DomainName'] } } });
    }
  });

  it('logs requests to the access-log bucket', () => {
    assert.match(JSON.stringify(config.Logging.Bucket), /AccessLogs/);
  });

  it('admits only CloudFront\'s prefix list at the load balancer, on one port', () => {
    const rules = ingressOf(t, 'Moodle origin load balancer: admits CloudFront only');
    assert.equal(rules.length, 1, JSON.stringify(rules));
    assert.equal(rules[0].FromPort, 443);
    assert.equal(rules[0].CidrIp, undefined);
    assert.match(JSON.stringify(rules[0].SourcePrefixListId), /CloudFrontPrefixList.*PrefixListId/);
    const lookups = Object.values(t.findResources('Custom::AWS')).map((r: any) => JSON.stringify(r.Properties));
    assert.ok(lookups.some((p) => p.includes('describeManagedPrefixLists') && p.includes(CLOUDFRONT_PREFIX_LIST)), 'no lookup of the CloudFront prefix list');
  });

  it('forwards only requests with the secret header; anything else gets 403', () => {
    const [, listener] = one(t, 'AWS::ElasticLoadBalancingV2::Listener');
    assert.deepEqual(listener.Properties.DefaultActions, [{ Type: 'fixed-response', FixedResponseConfig: { ContentType: 'text/plain', MessageBody: 'Forbidden', StatusCode: '403' } }]);
    const [, rule] = one(t, 'AWS::ElasticLoadBalancingV2::ListenerRule');
    const [cond] = rule.Properties.Conditions;
    assert.equal(cond.HttpHeaderConfig.HttpHeaderName, ORIGIN_HEADER);
    const [header] = config.Origins[0].OriginCustomHeaders;
    assert.equal(secretRef(cond.HttpHeaderConfig.Values), secretRef(header.HeaderValue), 'listener and CloudFront use different secrets');
    assert.deepEqual(rule.Properties.Actions, [{ Type: 'forward', TargetGroupArn: { Ref: tgId } }]);
  });

  it('targets the web pods as the chart\'s Ingress would (IP, port, health check, deregistration)', () => {
    const values = YAML.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'k8s/charts/moodle/values.yaml'), 'utf8'));
    assert.deepEqual(CHART_WEB.port, values.web.containerPort);
    assert.equal(CHART_WEB.healthCheckPath, values.ingress.healthCheckPath);
    assert.equal(CHART_WEB.deregistrationDelaySeconds, values.ingress.deregistrationDelaySeconds);
    assert.ok(CHART_WEB.deregistrationDelaySeconds < values.web.terminationGracePeriodSeconds);
    assert.equal(CHART_WEB.idleTimeoutSeconds, values.ingress.idleTimeoutSeconds);
    assert.equal(tg.Properties.TargetType, 'ip');
    assert.equal(tg.Properties.Port, CHART_WEB.port);
    assert.equal(tg.Properties.HealthCheckPath, CHART_WEB.healthCheckPath);
    assert.deepEqual(tg.Properties.TargetGroupAttributes.find((a: any) => a.Key === 'deregistration_delay.timeout_seconds'),
      { Key: 'deregistration_delay.timeout_seconds', Value: String(CHART_WEB.deregistrationDelaySeconds) });
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { FromPort: CHART_WEB.port, GroupId: { 'Fn::GetAtt': [Object.keys(t.findResources('AWS::EKS::Cluster'))[0], 'ClusterSecurityGroupId'] } });
  });

  it('applies WAF where traffic enters: without an edge web ACL, the regional one guards the load balancer', () => {
    assert.equal(config.WebACLId, undefined);
    t.hasResourceProperties('AWS::WAFv2::WebACLAssociation', { ResourceArn: { Ref: albId } });
  });
});

describe('CloudFront with an edge web ACL (Edge construct)', () => {
  const stack = new Stack();
  const vpc = new ec2.Vpc(stack, 'Vpc', { subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }] });
  const webAclArn = 'arn:aws:wafv2:us-east-1:111122223333:global/webacl/moodle/00000000-0000-0000-0000-000000000000';
  new Edge(stack, 'Edge', {
    cloudFront: { enabled: true, certificateArn: '', webAclArn, priceClass: 'PriceClass_100' },
    vpc, podSecurityGroup: new ec2.SecurityGroup(stack, 'Pods', { vpc }), domainName: '',
    logBucket: new s3.Bucket(stack, 'Logs'),
  });
  const t = Template.fromStack(stack);

  it('attaches the web ACL to the distribution and serves on its own domain over an HTTP origin', () => {
    const [, dist] = one(t, 'AWS::CloudFront::Distribution');
    assert.equal(dist.Properties.DistributionConfig.WebACLId, webAclArn);
    assert.equal(dist.Properties.DistributionConfig.Aliases, undefined);
    assert.equal(dist.Properties.DistributionConfig.Origins[0].CustomOriginConfig.OriginProtocolPolicy, 'http-only');
    t.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
  });
});

describe('CloudFront configuration', () => {
  const ctx = (extra: Record<string, unknown>) => contextOf({ config: 'production', ...extra });
  it('needs a us-east-1 certificate to serve a domain, and us-east-1 web ACLs', () => {
    assert.throws(() => loadConfig(ctx(PRODUCTION_ZONE)), /cloudFront.certificateArn is required to serve domainName learn.example.org/);
    assert.throws(() => loadConfig(ctx({ ...PRODUCTION_ZONE, cloudFront: { certificateArn: CLOUDFRONT_CERTIFICATE.replace('us-east-1', 'eu-west-1') } })),
      /must be an ACM certificate in us-east-1/);
    assert.throws(() => loadConfig(ctx({ cloudFront: { webAclArn: 'arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/x/y' } })), /CLOUDFRONT-scope web ACL/);
    assert.equal(loadConfig(ctx({ ...PRODUCTION_ZONE, cloudFront: { certificateArn: CLOUDFRONT_CERTIFICATE } })).cloudFront.enabled, true);
  });
});
