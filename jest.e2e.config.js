/**
 * End-to-end suites: real Terraform plans against the local cluster and the Docker engine. `npm test` runs them
 * after the toolchain and the cluster are up (scripts/test.sh); `npm run test:unit` never does.
 */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__/e2e"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
  moduleFileExtensions: ["ts", "js", "json"],
  testTimeout: 15 * 60 * 1000,
  maxWorkers: 1,
};
