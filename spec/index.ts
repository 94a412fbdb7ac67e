export * from "./gray-release";
export * from "./layering";
export * from "./load-environments";
export * from "./quantity";
export * from "./secret-file-variable";
export * from "./settings-schema";
export * from "./state-backend";
export * from "./validate";
