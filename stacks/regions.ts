/**
 * The AWS regions this project deploys to: the commercial (`aws`) and GovCloud
 * (`aws-us-gov`) partitions. China, ISO and the European Sovereign Cloud have their
 * own DNS suffixes (Cognito's hosted UI, the ELB key endpoint) that the stacks do not use.
 *
 * Taken from the endpoints table of hashicorp/aws-sdk-go-base v2.0.0-beta.68, the
 * release current when hashicorp/aws 6.25.0 (December 4, 2025) was built. A test
 * compares `PROVIDER_VERSION` with the pinned provider: bumping the provider means
 * refreshing this list from the matching aws-sdk-go-base release.
 */
export const PROVIDER_VERSION = "6.25.0";

export const AWS_REGIONS: readonly string[] = [
  "af-south-1",
  "ap-east-1",
  "ap-east-2",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-south-1",
  "ap-south-2",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-southeast-3",
  "ap-southeast-4",
  "ap-southeast-5",
  "ap-southeast-6",
  "ap-southeast-7",
  "ca-central-1",
  "ca-west-1",
  "eu-central-1",
  "eu-central-2",
  "eu-north-1",
  "eu-south-1",
  "eu-south-2",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "il-central-1",
  "me-central-1",
  "me-south-1",
  "mx-central-1",
  "sa-east-1",
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
  "us-gov-east-1",
  "us-gov-west-1",
];
