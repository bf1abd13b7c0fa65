import { Duration } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { CHART_WEB } from './chart-contract';
import { CloudFrontConfig } from './config';
import { ContentDelivery } from './content-delivery';
import { OriginLoadBalancer } from './origin-load-balancer';

export interface EdgeProps {
  readonly cloudFront: CloudFrontConfig;
  readonly vpc: ec2.IVpc;
  readonly podSecurityGroup: ec2.ISecurityGroup;
  /** The site's host name ("" for the distribution's own) and, if any, its regional certificate and zone. */
  readonly domainName: string;
  readonly certificate?: acm.ICertificate;
  readonly zone?: route53.IHostedZone;
  /** The regional web ACL, guarding the load balancer when no edge ACL is given. */
  readonly regionalWebAcl?: wafv2.CfnWebACL;
  readonly logBucket: s3.IBucket;
}

/**
 * CloudFront in front of Moodle: the origin load balancer, the distribution,
 * WAF where the traffic enters (the edge ACL when given, else the regional
 * ACL on the load balancer) and, with a hosted zone, the site's DNS names.
 * The origin speaks HTTPS when the site has its own name and certificate
 * (the certificate must match the Host CloudFront forwards), HTTP otherwise.
 */
export class Edge extends Construct {
  readonly origin: OriginLoadBalancer;
  readonly delivery: ContentDelivery;

  constructor(scope: Construct, id: string, props: EdgeProps) {
    super(scope, id);
    this.origin = new OriginLoadBalancer(this, 'Origin', {
      vpc: props.vpc,
      podSecurityGroup: props.podSecurityGroup,
      certificate: props.domainName ? props.certificate : undefined,
      podPort: CHART_WEB.port,
      healthCheckPath: CHART_WEB.healthCheckPath,
      deregistrationDelay: Duration.seconds(CHART_WEB.deregistrationDelaySeconds),
      idleTimeout: Duration.seconds(CHART_WEB.idleTimeoutSeconds),
    });
    this.delivery = new ContentDelivery(this, 'Delivery', {
      ...props.cloudFront,
      origin: this.origin,
      domainName: props.domainName,
      logBucket: props.logBucket,
    });
    if (props.regionalWebAcl && !props.cloudFront.webAclArn) {
      new wafv2.CfnWebACLAssociation(this, 'OriginWaf', {
        resourceArn: this.origin.loadBalancer.loadBalancerArn,
        webAclArn: props.regionalWebAcl.attrArn,
      });
    }
    if (props.zone && props.domainName) {
      const target = route53.RecordTarget.fromAlias(new targets.CloudFrontTarget(this.delivery.distribution));
      new route53.ARecord(this, 'SiteIpv4', { zone: props.zone, recordName: props.domainName, target });
      new route53.AaaaRecord(this, 'SiteIpv6', { zone: props.zone, recordName: props.domainName, target });
    }
  }
}
