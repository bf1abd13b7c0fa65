import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { SUBNETS } from './network';

export interface OriginLoadBalancerProps {
  readonly vpc: ec2.IVpc;
  /** Security group of the pods (the EKS cluster security group). */
  readonly podSecurityGroup: ec2.ISecurityGroup;
  /** Serve HTTPS with this certificate (it must cover the host CloudFront forwards); else HTTP. */
  readonly certificate?: acm.ICertificate;
  /** Port the web pods listen on (chart web.containerPort). */
  readonly podPort: number;
  /** Path of the web pods' liveness endpoint (chart ingress.healthCheckPath). */
  readonly healthCheckPath: string;
  /** Below the pods' grace period (chart web.terminationGracePeriodSeconds). */
  readonly deregistrationDelay: Duration;
  readonly idleTimeout: Duration;
}

/** The header CloudFront adds to every origin request, with a secret value. */
export const ORIGIN_HEADER = 'X-Origin-Verify';
/** Construct id of the Lambda aws-cdk-lib shares between all AwsCustomResources of a stack. */
const PROVIDER_ID = `AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`;
/** AWS-managed prefix list of CloudFront's origin-facing addresses. */
export const CLOUDFRONT_PREFIX_LIST = 'com.amazonaws.global.cloudfront.origin-facing';

/**
 * The load balancer behind CloudFront, made here (not by the chart's Ingress)
 * so the distribution can name it: internet-facing, but its security group
 * admits only CloudFront's origin-facing prefix list, on one port (the list
 * counts as ~55 rules of the group's 60), and its listener forwards only
 * requests that carry the secret origin header; anything else gets 403. The
 * web pods join the target group through the chart's TargetGroupBinding (the
 * AWS Load Balancer Controller registers their IPs).
 */
export class OriginLoadBalancer extends Construct {
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  readonly originSecret: secretsmanager.Secret;
  readonly https: boolean;

  constructor(scope: Construct, id: string, props: OriginLoadBalancerProps) {
    super(scope, id);
    this.https = props.certificate !== undefined;
    const port = this.https ? 443 : 80;

    this.originSecret = new secretsmanager.Secret(this, 'OriginSecret', {
      description: `Value of the ${ORIGIN_HEADER} header CloudFront sends to the Moodle load balancer`,
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    Validations.of(this.originSecret).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason: 'The origin header value lives in the distribution and the listener rule at once; it is rotated by hand in steps (README), since a rotation Lambda changing one side first would cut the site off.',
    });

    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Moodle origin load balancer: admits CloudFront only',
      allowAllOutbound: false,
    });
    securityGroup.addIngressRule(ec2.Peer.prefixList(cloudFrontPrefixListId(this)), ec2.Port.tcp(port), 'CloudFront origin-facing addresses');

    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      vpcSubnets: { subnetGroupName: SUBNETS.public },
      internetFacing: true,
      securityGroup,
      idleTimeout: props.idleTimeout,
      dropInvalidHeaderFields: true,
      http2Enabled: true,
    });
    this.loadBalancer.connections.allowTo(props.podSecurityGroup, ec2.Port.tcp(props.podPort), 'Moodle web pods');
    Validations.of(this.loadBalancer).acknowledge({
      id: 'AwsSolutions::AwsSolutions-ELB2',
      reason: 'Every request reaches this load balancer through CloudFront, whose standard logs (access-log bucket) record it; ELB access logging in a region-agnostic stack would need the region\'s ELB account.',
    });

    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'Web', {
      vpc: props.vpc,
      targetType: elbv2.TargetType.IP,
      protocol: elbv2.ApplicationProtocol.HTTP,
      port: props.podPort,
      deregistrationDelay: props.deregistrationDelay,
      healthCheck: { path: props.healthCheckPath, healthyHttpCodes: '200', interval: Duration.seconds(15) },
    });

    const listener = this.loadBalancer.addListener('Origin', {
      port,
      protocol: this.https ? elbv2.ApplicationProtocol.HTTPS : elbv2.ApplicationProtocol.HTTP,
      certificates: props.certificate ? [props.certificate] : undefined,
      sslPolicy: this.https ? elbv2.SslPolicy.RECOMMENDED_TLS : undefined,
      open: false,
      defaultAction: elbv2.ListenerAction.fixedResponse(403, { contentType: 'text/plain', messageBody: 'Forbidden' }),
    });
    listener.addAction('FromCloudFront', {
      priority: 1,
      conditions: [elbv2.ListenerCondition.httpHeader(ORIGIN_HEADER, [this.originSecret.secretValue.unsafeUnwrap()])],
      action: elbv2.ListenerAction.forward([this.targetGroup]),
    });
  }
}

/**
 * The id of CloudFront's origin-facing prefix list differs per region and a
 * lookup at synth would need credentials: read it at deploy time.
 */
function cloudFrontPrefixListId(scope: Construct): string {
  const lookup = new cr.AwsCustomResource(scope, 'CloudFrontPrefixList', {
    onUpdate: {
      service: 'EC2',
      action: 'describeManagedPrefixLists',
      parameters: { Filters: [{ Name: 'prefix-list-name', Values: [CLOUDFRONT_PREFIX_LIST] }] },
      physicalResourceId: cr.PhysicalResourceId.of(CLOUDFRONT_PREFIX_LIST),
      outputPaths: ['PrefixLists.0.PrefixListId'],
    },
    policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE }),
    installLatestAwsSdk: false,
  });
  Validations.of(lookup.node.findChild('CustomResourcePolicy')).acknowledge({
    id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
    reason: 'ec2:DescribeManagedPrefixLists has no resource-level permissions; the lookup only reads the id of the AWS-managed CloudFront prefix list.',
  });
  // The Lambda behind every AwsCustomResource of the stack (one, shared).
  const provider = Stack.of(scope).node.findChild(PROVIDER_ID).node.findChild('ServiceRole');
  Validations.of(provider).acknowledge({
    id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason: 'The AwsCustomResource provider Lambda (aws-cdk-lib) logs through AWSLambdaBasicExecutionRole; it runs only during deployments.',
  });
  return lookup.getResponseField('PrefixLists.0.PrefixListId');
}
