// Emulator gaps, pinned to moto 5.2.5: where the emulator differs from AWS, each one
// reproduced against moto alone, and the override (Terraform override-file JSON, merged
// into a stack's cdk.tf.json) that steps around it. Keep it short: the deploy tier fails on
// any difference that is not listed here (an apply error, or a re-plan that is not clean).
export const MOTO_VERSION = "5.2.5";

/** Resource types whose every block gets `override` (a function of the block). */
const GAPS = [
  {
    // 1. moto applies a bucket policy's Deny statements with Principal "*" but ignores their
    //    conditions (aws:SecureTransport, s3:x-amz-server-side-encryption, ...), so the state
    //    bucket's TLS/KMS-only policy denies the backend everything; and PutBucketLogging
    //    fails with HTTP 500 (AttributeError: 'str' object has no attribute 'get') while the
    //    target bucket's policy has a string Principal. Every Deny here has Principal "*":
    //    in the emulator the bucket policies keep their Allow statements only.
    type: "aws_s3_bucket_policy",
    override: (block) => ({ policy: `\${jsonencode({Version = "2012-10-17", Statement = [for s in jsondecode(${asExpression(block.policy)}).Statement : s if s.Effect != "Deny"]})}` }),
  },
  {
    // 2. DescribeSubnets does not implement the filter ipv6-cidr-block-association.association-id,
    //    with which the provider waits for a subnet's IPv6 block (it times out after 3 minutes).
    //    In the emulator the subnets of a dual-stack VPC get no IPv6 block; the VPC keeps its
    //    own, and the dual-stack ALB, its IPv6 ingress and the AAAA record stay.
    type: "aws_subnet",
    override: (block) => (block.ipv6_cidr_block ? { ipv6_cidr_block: null, assign_ipv6_address_on_creation: false } : undefined),
  },
  // 3-6: attributes moto 5.2.5 leaves out of its reads, so a re-plan would put them back:
  {
    // GetBucketLogging returns no TargetObjectKeyFormat.
    type: "aws_s3_bucket_logging",
    override: (block) => ignore(block, ["target_object_key_format"]),
  },
  {
    // DescribeSecurityGroupRules returns no Description for a rule that references a group.
    type: "aws_vpc_security_group_ingress_rule",
    override: (block) => (block.referenced_security_group_id ? ignore(block, ["description"]) : undefined),
  },
  {
    type: "aws_vpc_security_group_egress_rule",
    override: (block) => (block.referenced_security_group_id ? ignore(block, ["description"]) : undefined),
  },
  {
    // DescribeServices returns no availabilityZoneRebalancing, enableECSManagedTags or
    // healthCheckGracePeriodSeconds.
    type: "aws_ecs_service",
    override: (block) => ignore(block, ["availability_zone_rebalancing", "enable_ecs_managed_tags", "health_check_grace_period_seconds"]),
  },
  {
    // DescribeUserPoolDomain returns no ManagedLoginVersion.
    type: "aws_cognito_user_pool_domain",
    override: (block) => ignore(block, ["managed_login_version"]),
  },
  {
    // 7. UpdateUserPool (which the provider calls after creating a pool with MFA) drops the
    //    pool's UsernameAttributes and UsernameConfiguration, which AWS keeps (UpdateUserPool
    //    cannot change them), and its tags; the re-plan would replace the pool and re-tag it.
    type: "aws_cognito_user_pool",
    override: (block) => ignore(block, ["username_attributes", "username_configuration", "tags_all"]),
  },
];

// Not worked around here, so kept out of the tier's environments instead:
// - Application Auto Scaling ListTagsForResource is not implemented (HTTP 500), and the
//   provider reads every scaling target's tags: the production-like test environment sets
//   service.maxCount = desiredCount (no target tracking).
// - ALB and Cognito deletion protection are not enforced: the protected destroy is checked
//   through prevent_destroy, which Terraform enforces before it calls AWS.
// - Cognito DeleteResourceServer is not implemented (HTTP 500, which the provider retries for
//   minutes): before a destroy the tier takes the resource server out of the app stack's
//   state (Sequence.forgetResourceServers); deleting the user pool removes it with the pool.

/** lifecycle.ignore_changes: an override replaces the list, so the block's own entries stay in it. */
function ignore(block, attributes) {
  return { lifecycle: { ignore_changes: [...(block.lifecycle?.ignore_changes ?? []), ...attributes] } };
}

/** Overrides for one stack's cdk.tf.json. */
export function overridesFor(json) {
  const resource = {};
  for (const gap of GAPS) {
    for (const [name, block] of Object.entries(json.resource?.[gap.type] ?? {})) {
      const override = gap.override(block);
      if (override) resource[gap.type] = { ...resource[gap.type], [name]: override };
    }
  }
  return Object.keys(resource).length ? { resource } : {};
}

/** A JSON-syntax template string as one HCL expression: `${x}` is x, anything else a quoted template. */
function asExpression(template) {
  const whole = /^\$\{([^{}]*)\}$/.exec(template);
  if (whole) return whole[1];
  return `"${template.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}
