import { RemovalPolicy, Tags, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface NetworkProps {
  readonly cidr: string;
  readonly azCount: number;
  readonly natGateways: number;
  /** Interface endpoint service names, e.g. "ecr.api", "sts", "logs". */
  readonly interfaceEndpoints: string[];
  readonly production: boolean;
}

/** Subnet group names, shared with the constructs that place resources. */
export const SUBNETS = { public: 'public', nodes: 'nodes', data: 'data' } as const;

/**
 * The VPC: public subnets for the ALB and NAT gateways, private subnets with
 * egress for the nodes (sized for VPC CNI pod IPs), isolated subnets for RDS,
 * ElastiCache and EFS. An S3 gateway endpoint (free) carries ECR image layers;
 * interface endpoints for the chosen services keep the rest off the NAT.
 */
export class Network extends Construct {
  readonly vpc: ec2.Vpc;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(props.cidr),
      maxAzs: props.azCount,
      natGateways: props.natGateways,
      subnetConfiguration: [
        { name: SUBNETS.public, subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: SUBNETS.nodes, subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 19 },
        { name: SUBNETS.data, subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
      },
    });

    // Subnet discovery tags of the AWS Load Balancer Controller.
    for (const s of this.vpc.publicSubnets) Tags.of(s).add('kubernetes.io/role/elb', '1');
    for (const s of this.vpc.privateSubnets) Tags.of(s).add('kubernetes.io/role/internal-elb', '1');

    const flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      retention: props.production ? logs.RetentionDays.ONE_YEAR : logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });

    for (const service of props.interfaceEndpoints) {
      const endpoint = this.vpc.addInterfaceEndpoint(`Endpoint-${service}`, {
        service: new ec2.InterfaceVpcEndpointAwsService(service),
        subnets: { subnetGroupName: SUBNETS.nodes },
        privateDnsEnabled: true,
      });
      Validations.of(endpoint).acknowledge({
        id: 'AwsSolutions::AwsSolutions-EC23',
        reason: 'The endpoint security group admits HTTPS from the VPC CIDR only; the rule cannot evaluate the CIDR, a deploy-time reference.',
      });
    }
  }
}
