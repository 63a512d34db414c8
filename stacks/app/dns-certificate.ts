import { Construct } from "constructs";
import { Fn, TerraformIterator, Token } from "cdktf";
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
  /** More names on the certificate, inside the zone. @default [] */
  readonly alternativeNames?: readonly string[];
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

    const alternativeNames = [...(props.alternativeNames ?? [])];
    this.certificate = new AcmCertificate(this, "certificate", {
      domainName: props.domainName,
      subjectAlternativeNames: alternativeNames.length > 0 ? alternativeNames : undefined,
      validationMethod: "DNS",
      // A replacement certificate must exist before the listener lets go of the old one.
      lifecycle: { createBeforeDestroy: true },
    });

    // One record per certificate name, keyed by the names themselves: they are known at
    // plan time, where the certificate's domain_validation_options are not until it
    // exists, so a for_each over those fails to plan a certificate with several names.
    // The keys are the domain names, as they were when the records iterated the options.
    const byName = TerraformIterator.fromList(this.certificate.domainValidationOptions).forExpressionForMap("val.domain_name", "val");
    const names = TerraformIterator.fromList([props.domainName, ...alternativeNames]);
    const option = (attribute: string) => Token.asString(Fn.lookup(Fn.lookup(byName, names.value), attribute));
    const records = new Route53Record(this, "validation-record", {
      forEach: names,
      zoneId: this.zoneId,
      name: option("resource_record_name"),
      type: option("resource_record_type"),
      records: [option("resource_record_value")],
      ttl: 60,
      allowOverwrite: true,
    });

    this.validation = new AcmCertificateValidation(this, "validation", {
      certificateArn: this.certificate.arn,
      validationRecordFqdns: Token.asList(TerraformIterator.fromResources(records).pluckProperty("fqdn")),
    });
  }
}
