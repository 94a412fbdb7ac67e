export * from "./attribute-diff";
export * from "./cli";
export * from "./environment-diff";
export * from "./plan-json";
export * from "./plan-report";
export * from "./read-plan-dir";
export * from "./render-markdown";
export * from "./summarize";
