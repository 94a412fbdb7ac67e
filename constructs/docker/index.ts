export * from "./built-image";
export * from "./caddyfile";
export * from "./container-image";
export * from "./container-service";
export * from "./hardened-container";
export * from "./health-check";
export * from "./ingress-proxy";
export * from "./isolated-network";
