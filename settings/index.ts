export * from "./layering";
export * from "./load-environments";
export * from "./secret-file-variable";
export * from "./setting-paths";
export * from "./settings-schema";
export * from "./state-backend";
export * from "./validate";
