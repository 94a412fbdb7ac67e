export * from "./egress-rule";
export * from "./http-route";
export * from "./isolated-namespace";
export * from "./probe";
export * from "./web-service";
export * from "./worker";
export * from "./workload";
export * from "../../model/resource-amounts";
