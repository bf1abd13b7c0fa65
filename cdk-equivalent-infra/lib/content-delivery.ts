import { Annotations, Duration, Validations } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { CloudFrontConfig } from './config';
import { ORIGIN_HEADER, OriginLoadBalancer } from './origin-load-balancer';

export interface ContentDeliveryProps extends CloudFrontConfig {
  readonly origin: OriginLoadBalancer;
  /** The site's host name; "" serves on the distribution's own domain. */
  readonly domainName: string;
  readonly logBucket: s3.IBucket;
}

/**
 * Moodle's revisioned static handlers: each serves a file named by a revision
 * in its URL (slash arguments or query string), stops after config.php
 * (ABORT_AFTER_CONFIG: no session, no cookie) and sends long cache headers.
 * Checked in Moodle 4.5 and 5.1.
 */
export const STATIC_HANDLERS = [
  '/theme/styles.php', '/theme/image.php', '/theme/font.php', '/theme/javascript.php',
  '/theme/yui_combo.php', '/theme/yui_image.php', '/theme/jquery.php',
  '/lib/javascript.php', '/lib/requirejs.php', '/lib/editor/tiny/lang.php',
];

/**
 * CloudFront in front of the origin load balancer. Static handlers are cached
 * at the edge by their full URL (path and every query string; no cookies or
 * headers in the key), for as long as Moodle's own cache headers say.
 * Everything else passes through uncached, with all methods, cookies, query
 * strings and viewer headers (the Host header too, so Moodle sees its own
 * wwwroot host and the origin certificate matches it). Every origin request
 * carries the secret header the load balancer checks.
 */
export class ContentDelivery extends Construct {
  readonly distribution: cloudfront.Distribution;
  /** https://<domainName or the distribution's domain>, Moodle's wwwroot. */
  readonly siteUrl: string;

  constructor(scope: Construct, id: string, props: ContentDeliveryProps) {
    super(scope, id);
    const origin = new origins.HttpOrigin(props.origin.loadBalancer.loadBalancerDnsName, {
      protocolPolicy: props.origin.https ? cloudfront.OriginProtocolPolicy.HTTPS_ONLY : cloudfront.OriginProtocolPolicy.HTTP_ONLY,
      originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
      customHeaders: { [ORIGIN_HEADER]: props.origin.originSecret.secretValue.unsafeUnwrap() },
      // CloudFront's longest without a quota increase; the load balancer's idle timeout is longer.
      readTimeout: Duration.seconds(60),
    });

    const staticCache = new cloudfront.CachePolicy(this, 'StaticCache', {
      comment: 'Moodle revisioned static handlers: full URL, no cookies; TTL from Moodle',
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.all(),
      headerBehavior: cloudfront.CacheHeaderBehavior.none(),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.seconds(0),
      maxTtl: Duration.days(365),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });
    const staticRequest = new cloudfront.OriginRequestPolicy(this, 'StaticRequest', {
      comment: 'Moodle static handlers: the viewer Host (origin TLS name); query strings come with the cache key',
      headerBehavior: cloudfront.OriginRequestHeaderBehavior.allowList('Host'),
      cookieBehavior: cloudfront.OriginRequestCookieBehavior.none(),
      queryStringBehavior: cloudfront.OriginRequestQueryStringBehavior.none(),
    });
    const staticBehavior: cloudfront.BehaviorOptions = {
      origin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
      cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD,
      cachePolicy: staticCache,
      originRequestPolicy: staticRequest,
      compress: true,
    };

    const custom = props.certificateArn !== '';
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Moodle',
      defaultBehavior: {
        origin,
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
        cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER,
        compress: false,
      },
      additionalBehaviors: Object.fromEntries(STATIC_HANDLERS.map((path) => [`${path}*`, staticBehavior])),
      domainNames: custom ? [props.domainName] : undefined,
      certificate: custom ? acm.Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn) : undefined,
      minimumProtocolVersion: custom ? cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 : undefined,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: props.priceClass as cloudfront.PriceClass,
      webAclId: props.webAclArn || undefined,
      enableLogging: true,
      logBucket: props.logBucket,
      logFilePrefix: 'cloudfront/',
    });
    this.siteUrl = `https://${custom ? props.domainName : this.distribution.distributionDomainName}`;

    if (!custom) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions::AwsSolutions-CFR4',
        reason: 'Without cloudFront.certificateArn the site is served on the distribution\'s cloudfront.net name, whose default certificate CloudFront pins to its own TLS policy; a custom domain gets TLSv1.2_2021.',
      });
    }
    if (!props.origin.https) {
      Annotations.of(this).addWarningV2('moodlecache:httpOrigin', 'CloudFront reaches the load balancer over HTTP: '
        + 'give domainName with a certificate (certificateArn or hostedZoneId) and cloudFront.certificateArn for an HTTPS origin');
      Validations.of(this.distribution.node.defaultChild!).acknowledge({
        id: 'AwsSolutions::AwsSolutions-CFR5',
        reason: 'Without a site domain the load balancer has no certificate the forwarded Host could match, so the origin is HTTP-only (a warning says so); with domainName and certificates it is HTTPS-only with TLSv1.2.',
      });
    }
    if (!props.webAclArn) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions::AwsSolutions-CFR2',
        reason: 'A CLOUDFRONT-scope web ACL exists only in us-east-1 and this stack may be elsewhere: give cloudFront.webAclArn to filter at the edge; until then the regional web ACL (waf) guards the origin load balancer.',
      });
    }
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions::AwsSolutions-CFR1',
      reason: 'A Moodle site serves learners wherever they are; restricting countries is a policy choice for the operator, not a default.',
    });
  }
}
