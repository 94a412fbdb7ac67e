export * from "./setting-changes";
export * from "./synthesized-resources";
export * from "./trace-causes";
