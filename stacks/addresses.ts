import { Construct } from "constructs";
import { TerraformDataSource, TerraformElement, TerraformResource, TerraformStack } from "cdktf";

/**
 * A TerraformStack whose resources and data sources get Terraform addresses made of
 * their construct path without CDKTF's hash suffix: `aws_lb.load-balancer_alb`
 * instead of `aws_lb.load-balancer_alb_15AADC07`, so `terraform plan` reads well in
 * review. Construct ids are short and kebab-case, so joining them with "_" stays
 * unique. (allocateLogicalId is CDKTF's own hook for a naming scheme.)
 */
export class ReadableStack extends TerraformStack {
  protected allocateLogicalId(element: TerraformElement | Construct["node"]): string {
    // Not instanceof: resources of a provider package built on another copy of the core
    // library (as when moving to CDK Terrain) fail it and would get hashed names again.
    if (TerraformResource.isTerraformResource(element) || TerraformDataSource.isTerraformDataSource(element)) {
      const scopes = element.node.scopes;
      return scopes
        .slice(scopes.indexOf(this) + 1)
        .map((scope) => scope.node.id)
        .join("_");
    }
    return super.allocateLogicalId(element);
  }
}
