import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { ReadableStack } from "./addresses";
import { awsProvider, remoteState } from "./backend";
import { namePrefix, resourceName, stackNames, WORKLOAD_BOUNDARY_PART, WORKLOAD_ROLE_PARTS } from "./naming";
import { S3AccessLogs } from "./s3-access-logs";
import { GithubDeployRoles } from "./bootstrap/github-oidc";
import { StateKey } from "./bootstrap/state-key";
import { WorkloadBoundary } from "./bootstrap/workload-boundary";
import { ResolvedConfig } from "./schema";

export interface BootstrapStackProps {
  readonly config: ResolvedConfig;
}

/**
 * The S3 bucket that holds every stack's state, its own included. It cannot be in the
 * bucket before the bucket exists: `npm run deploy` (scripts/deploy.ts) applies it the
 * first time with a local backend, then moves that state into the bucket
 * (`terraform init -migrate-state`), under the key the S3 backend below names.
 */
export class BootstrapStack extends ReadableStack {
  readonly bucket: S3Bucket;

  constructor(scope: Construct, id: string, props: BootstrapStackProps) {
    super(scope, id);
    const { config } = props;
    remoteState(this, config, id);
    awsProvider(this, config);

    // Losing state orphans every resource: keep the bucket even on destroy.
    this.bucket = new S3Bucket(this, "state", {
      bucket: config.stateBucket,
      lifecycle: { preventDestroy: true },
    });
    // Before the network and app stacks: their roles name it as their permissions boundary.
    const boundary = new WorkloadBoundary(this, "workload-boundary", { name: resourceName(config.name, WORKLOAD_BOUNDARY_PART), region: config.region }).policy;
    // GitHub Actions' roles (when config.github is set), then the key that names them.
    const github = config.github
      ? new GithubDeployRoles(this, "github", {
          namePrefix: namePrefix(config.name),
          environment: config.name,
          region: config.region,
          repository: config.github.repository,
          githubEnvironment: config.github.environment,
          createOidcProvider: config.github.oidcProvider === "create",
          stateBucket: this.bucket,
          bootstrapStateKey: `${config.name}/${stackNames(config.name).bootstrap}.tfstate`,
          workloadRoleNames: WORKLOAD_ROLE_PARTS.map((part) => resourceName(config.name, part)),
          workloadBoundaryArn: boundary.arn,
          hostedZoneId: config.hostedZone.id,
        })
      : undefined;
    const stateKey = new StateKey(this, "state-key", {
      aliasName: `alias/${resourceName(config.name, "state")}`,
      region: config.region,
      readers: github ? [github.planRole.arn] : [],
      writers: github ? [github.deployRole.arn] : [],
    }).key;
    github?.grantState(stateKey);

    new S3BucketVersioningA(this, "state-versioning", {
      bucket: this.bucket.id,
      versioningConfiguration: { status: "Enabled" },
    });
    new S3BucketServerSideEncryptionConfigurationA(this, "state-encryption", {
      bucket: this.bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: stateKey.arn }, bucketKeyEnabled: true }],
    });
    new S3BucketPublicAccessBlock(this, "state-public-access", {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    // Old state versions are only for recovery; a year of them is plenty. Every lock file
    // (use_lockfile) leaves a delete marker behind in a versioned bucket: expire those.
    new S3BucketLifecycleConfiguration(this, "state-lifecycle", {
      bucket: this.bucket.id,
      rule: [
        {
          id: "expire-old-state-versions",
          status: "Enabled",
          filter: [{}],
          noncurrentVersionExpiration: [{ noncurrentDays: 365 }],
          expiration: [{ expiredObjectDeleteMarker: true }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });
    new S3BucketPolicy(this, "state-tls-only", {
      bucket: this.bucket.id,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [this.bucket.arn, `${this.bucket.arn}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
          {
            // State is encrypted with the bucket's KMS key. A backend with `encrypt = true`
            // and no kms_key_id would write SSE-S3 instead: refuse it, loudly. Only writes
            // that name an encryption are checked (`Null: false`, the header is present): the
            // backend sends none and gets the bucket's default. (`...IfExists` would be true
            // without the header, and deny every write the backend makes.)
            Sid: "DenyStateWithoutKms",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            Resource: `${this.bucket.arn}/*`,
            Condition: { StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" }, Null: { "s3:x-amz-server-side-encryption": "false" } },
          },
          {
            // Nor with another KMS key (the AWS-managed aws/s3 one included), which any
            // principal allowed s3:GetObject could decrypt.
            Sid: "DenyStateWithAnotherKey",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            Resource: `${this.bucket.arn}/*`,
            Condition: {
              StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": stateKey.arn },
              Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "false" },
            },
          },
        ],
      }),
    });

    new S3AccessLogs(this, "s3-access-logs", {
      namePrefix: namePrefix(config.name),
      stateBucket: this.bucket,
      retentionDays: config.logs.accessLogRetentionDays,
      forceDestroy: config.allowDestroy,
    });

    new TerraformOutput(this, "state_bucket", { value: this.bucket.bucket });
    new TerraformOutput(this, "state_key_arn", { value: stateKey.arn });
    if (github) {
      // The deploy workflow's AWS_DEPLOY_ROLE_ARN and this environment's entry in AWS_PLAN_ROLES.
      new TerraformOutput(this, "github_deploy_role_arn", { value: github.deployRole.arn });
      new TerraformOutput(this, "github_plan_role_arn", { value: github.planRole.arn });
    }
  }
}
