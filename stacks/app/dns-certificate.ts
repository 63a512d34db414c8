import { Construct } from "constructs";
import { TerraformIterator, Token } from "cdktf";
import { AcmCertificate } from "@cdktf/provider-aws/lib/acm-certificate";
import { AcmCertificateValidation } from "@cdktf/provider-aws/lib/acm-certificate-validation";
import { DataAwsRoute53Zone } from "@cdktf/provider-aws/lib/data-aws-route53-zone";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";

export interface DnsCertificateProps {
  /** Zone apex, e.g. `example.com`. */
  readonly zoneName: string;
  /** @default - looked up by `zoneName` */
  readonly zoneId?: string;
  /** The app's domain name, inside the zone. */
  readonly domainName: string;
}

/**
 * The hosted zone and a DNS-validated ACM certificate for the app domain.
 * `validation` completes only once ACM has issued the certificate, so a listener
 * that depends on it never references a pending one.
 */
export class DnsCertificate extends Construct {
  readonly zoneId: string;
  readonly certificate: AcmCertificate;
  readonly validation: AcmCertificateValidation;

  constructor(scope: Construct, id: string, props: DnsCertificateProps) {
    super(scope, id);
    this.zoneId = props.zoneId ?? new DataAwsRoute53Zone(this, "zone", { name: props.zoneName, privateZone: false }).zoneId;

    this.certificate = new AcmCertificate(this, "certificate", {
      domainName: props.domainName,
      validationMethod: "DNS",
      // A replacement certificate must exist before the listener lets go of the old one.
      lifecycle: { createBeforeDestroy: true },
    });

    const options = TerraformIterator.fromComplexList(this.certificate.domainValidationOptions, "domain_name");
    const records = new Route53Record(this, "validation-record", {
      forEach: options,
      zoneId: this.zoneId,
      name: options.getString("resource_record_name"),
      type: options.getString("resource_record_type"),
      records: [options.getString("resource_record_value")],
      ttl: 60,
      allowOverwrite: true,
    });

    this.validation = new AcmCertificateValidation(this, "validation", {
      certificateArn: this.certificate.arn,
      validationRecordFqdns: Token.asList(TerraformIterator.fromResources(records).pluckProperty("fqdn")),
    });
  }
}
