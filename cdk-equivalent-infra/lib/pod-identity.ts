import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

export interface PodIdentityProps {
  readonly cluster: eks.Cluster;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly statements?: iam.PolicyStatement[];
  readonly managedPolicies?: iam.IManagedPolicy[];
}

/**
 * An IAM role for one Kubernetes service account through EKS Pod Identity:
 * trusted only by pods.eks.amazonaws.com, bound by an association to exactly
 * one namespace/service-account pair, with an inline policy of just what that
 * controller calls. The service account itself is created by the add-on's
 * chart; Pod Identity needs no annotation on it.
 */
export class PodIdentity extends Construct {
  readonly role: iam.Role;
  readonly association: eks.CfnPodIdentityAssociation;

  constructor(scope: Construct, id: string, props: PodIdentityProps) {
    super(scope, id);
    this.role = new iam.Role(this, 'Role', {
      description: `Pod Identity role of ${props.namespace}/${props.serviceAccount}`,
      assumedBy: new iam.ServicePrincipal('pods.eks.amazonaws.com').withSessionTags(),
      managedPolicies: props.managedPolicies,
    });
    if (props.statements?.length) {
      this.role.attachInlinePolicy(new iam.Policy(this, 'Policy', { statements: props.statements }));
    }
    this.association = new eks.CfnPodIdentityAssociation(this, 'Association', {
      clusterName: props.cluster.clusterName,
      namespace: props.namespace,
      serviceAccount: props.serviceAccount,
      roleArn: this.role.roleArn,
    });
    // The agent add-on must be running before pods can get credentials.
    this.association.node.addDependency(props.cluster.eksPodIdentityAgent!);
  }
}
