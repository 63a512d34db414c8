/** The made-up load balancer, app client and user pool the benchmarks sign their tokens for. */
export const ALB_ARN = "arn:aws:elasticloadbalancing:eu-central-1:123456789012:loadbalancer/app/bench/0123456789abcdef";
export const CLIENT_ID = "benchclient";
export const ISSUER = "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_Bench";
