import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';

export interface SiteCertificateProps {
  /** An existing certificate's ARN; "" for none. */
  readonly certificateArn: string;
  /** A public hosted zone to validate a new certificate in; "" for none. */
  readonly hostedZoneId: string;
  readonly hostedZoneName: string;
  readonly domainName: string;
}

/**
 * The site's TLS certificate for the ALB: an existing one by ARN, or a new
 * DNS-validated one in a given hosted zone (imported by id and name, so no
 * lookup and no network at synth), or none (HTTP only, for a first trial).
 */
export class SiteCertificate extends Construct {
  readonly certificate?: acm.ICertificate;
  /** The hosted zone, when one was given. */
  readonly zone?: route53.IHostedZone;

  constructor(scope: Construct, id: string, props: SiteCertificateProps) {
    super(scope, id);
    if (props.certificateArn) {
      this.certificate = acm.Certificate.fromCertificateArn(this, 'Existing', props.certificateArn);
    } else if (props.hostedZoneId) {
      this.zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
        hostedZoneId: props.hostedZoneId,
        zoneName: props.hostedZoneName,
      });
      this.certificate = new acm.Certificate(this, 'Certificate', {
        domainName: props.domainName,
        validation: acm.CertificateValidation.fromDns(this.zone),
      });
    }
  }
}
