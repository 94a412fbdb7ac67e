export * from "./docker-environment";
export * from "./environment-stack";
export * from "./kubernetes-environment";
export * from "./literal-strings";
export * from "./secret-variables";
export * from "./synthesize-app";
export * from "./stack-facts";
