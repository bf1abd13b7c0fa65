import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

export interface WebAclProps {
  readonly envName: string;
  readonly production: boolean;
}

/** AWS managed rule groups on the ALB, in priority order. */
export const MANAGED_RULE_GROUPS = [
  'AWSManagedRulesAmazonIpReputationList',
  'AWSManagedRulesCommonRuleSet',
  'AWSManagedRulesKnownBadInputsRuleSet',
] as const;

/**
 * Rules of the common rule set that Moodle trips in normal use, set to count
 * instead of block: file uploads and course restores exceed the 8 KB body
 * limit, and the rich-text editor posts HTML that looks like XSS.
 */
export const COUNTED_RULES = ['SizeRestrictions_BODY', 'CrossSiteScripting_BODY'];

/**
 * A regional WAF web ACL for the chart's ALB (attached through the Ingress
 * annotation alb.ingress.kubernetes.io/wafv2-acl-arn), logging to CloudWatch.
 */
export class WebAcl extends Construct {
  readonly webAcl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: WebAclProps) {
    super(scope, id);
    const metric = (name: string) => ({ cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: name });

    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: metric(`${props.envName}-moodle`),
      rules: MANAGED_RULE_GROUPS.map((name, priority) => ({
        name,
        priority,
        overrideAction: { none: {} },
        statement: {
          managedRuleGroupStatement: {
            vendorName: 'AWS',
            name,
            ruleActionOverrides: name === 'AWSManagedRulesCommonRuleSet'
              ? COUNTED_RULES.map((rule) => ({ name: rule, actionToUse: { count: {} } }))
              : undefined,
          },
        },
        visibilityConfig: metric(name),
      })),
    });

    const logGroup = new logs.LogGroup(this, 'Logs', {
      // WAF delivers only to log groups whose name starts with aws-waf-logs-.
      logGroupName: `aws-waf-logs-${props.envName}-moodle`,
      retention: props.production ? logs.RetentionDays.ONE_YEAR : logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    new wafv2.CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      // WAF wants the bare log group ARN, without the ":*" of logGroupArn.
      logDestinationConfigs: [Stack.of(this).formatArn({
        service: 'logs',
        resource: 'log-group',
        resourceName: logGroup.logGroupName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      })],
    });
  }
}
