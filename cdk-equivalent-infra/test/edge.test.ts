import { strict as assert } from 'assert';
import { describe, it } from 'node:test';
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { SiteCertificate } from '../lib/certificate';
import { COUNTED_RULES, MANAGED_RULE_GROUPS } from '../lib/waf';
import { PRODUCTION_ZONE, template } from './helpers';

describe('optional features: off in the default configuration', () => {
  const t = template('default');
  it('has no WAF web ACL, Container Insights add-on or certificate', () => {
    t.resourceCountIs('AWS::WAFv2::WebACL', 0);
    t.resourcePropertiesCountIs('AWS::EKS::Addon', { AddonName: 'amazon-cloudwatch-observability' }, 0);
    t.resourceCountIs('AWS::CertificateManager::Certificate', 0);
  });
});

describe('optional features: on in the production configuration', () => {
  const t = template('production');

  it('has a regional WAF web ACL with the AWS managed rule groups', () => {
    t.resourceCountIs('AWS::WAFv2::WebACL', 1);
    const [acl] = Object.values(t.findResources('AWS::WAFv2::WebACL')) as any[];
    assert.equal(acl.Properties.Scope, 'REGIONAL');
    assert.deepEqual(acl.Properties.DefaultAction, { Allow: {} });
    const groups = acl.Properties.Rules.map((r: any) => r.Statement.ManagedRuleGroupStatement);
    assert.deepEqual(groups.map((g: any) => `${g.VendorName}/${g.Name}`), MANAGED_RULE_GROUPS.map((n) => `AWS/${n}`));
  });

  it('counts instead of blocking the common rules Moodle uploads and editor posts trip', () => {
    const [acl] = Object.values(t.findResources('AWS::WAFv2::WebACL')) as any[];
    const common = acl.Properties.Rules.find((r: any) => r.Name === 'AWSManagedRulesCommonRuleSet');
    const overrides = common.Statement.ManagedRuleGroupStatement.RuleActionOverrides;
    assert.deepEqual(overrides.map((o: any) => o.Name), COUNTED_RULES);
    for (const o of overrides) assert.deepEqual(o.ActionToUse, { Count: {} });
  });

  it('logs WAF requests to an aws-waf-logs- log group', () => {
    t.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: Match.stringLikeRegexp('^aws-waf-logs-') });
    t.resourceCountIs('AWS::WAFv2::LoggingConfiguration', 1);
  });

  it('installs Container Insights through the amazon-cloudwatch-observability add-on', () => {
    t.hasResourceProperties('AWS::EKS::Addon', { AddonName: 'amazon-cloudwatch-observability' });
    t.hasResourceProperties('AWS::EKS::PodIdentityAssociation', { Namespace: 'amazon-cloudwatch', ServiceAccount: 'cloudwatch-agent' });
  });
});

describe('ACM certificate', () => {
  it('is DNS-validated in the given hosted zone, without a lookup (production test context)', () => {
    const t = template('production');
    t.resourceCountIs('AWS::CertificateManager::Certificate', 1);
    t.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: PRODUCTION_ZONE.domainName,
      ValidationMethod: 'DNS',
      DomainValidationOptions: [{ DomainName: PRODUCTION_ZONE.domainName, HostedZoneId: PRODUCTION_ZONE.hostedZoneId }],
    });
    t.hasOutput('CertificateArn', { Value: { Ref: Match.stringLikeRegexp('^Certificate') } });
  });

  it('uses an existing certificate by ARN and creates none', () => {
    const arn = 'arn:aws:acm:eu-west-1:111122223333:certificate/00000000-0000-0000-0000-000000000000';
    const stack = new Stack();
    const site = new SiteCertificate(stack, 'Certificate', { certificateArn: arn, hostedZoneId: '', hostedZoneName: '', domainName: '' });
    assert.equal(site.certificate?.certificateArn, arn);
    Template.fromStack(stack).resourceCountIs('AWS::CertificateManager::Certificate', 0);
  });

  it('is absent when neither an ARN nor a zone is given', () => {
    const stack = new Stack();
    const site = new SiteCertificate(stack, 'Certificate', { certificateArn: '', hostedZoneId: '', hostedZoneName: '', domainName: '' });
    assert.equal(site.certificate, undefined);
  });
});
