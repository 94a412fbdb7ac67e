export * from "./isolated-namespace";
export * from "./probe";
export * from "./web-service";
export * from "../../model/resource-amounts";
