/** Unit and synth tests; type-checking is `npm run build`'s job, so ts-jest only transpiles. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  // End-to-end suites have their own project (jest.e2e.config.js), run by `npm test` after the toolchain.
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/__tests__/e2e/"],
  transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
  moduleFileExtensions: ["ts", "js", "json"],
  setupFilesAfterEnv: ["<rootDir>/__tests__/setup.js"],
};
