import { HealthCheck } from "../constructs/docker";

describe("HealthCheck", () => {
  test("renders an exec-form check with defaults", () => {
    // GIVEN a command only  WHEN rendered  THEN it is a CMD (no shell) with the default timing
    expect(HealthCheck.exec(["/app", "healthcheck"]).render()).toEqual({
      test: ["CMD", "/app", "healthcheck"],
      interval: "10s",
      timeout: "5s",
      retries: 3,
      startPeriod: "0s",
      startInterval: undefined,
    });
  });

  test("spells durations as the engine reads them back, so a second plan is empty", () => {
    // GIVEN a 60 s start period and a 90 s interval  THEN they read as Go durations
    const check = HealthCheck.exec(["/x"], { intervalSeconds: 90, startPeriodSeconds: 60, startIntervalSeconds: 3661 }).render();
    expect(check).toMatchObject({ interval: "1m30s", startPeriod: "1m0s", startInterval: "1h1m1s" });
  });

  test("refuses an empty command and fractional timing", () => {
    // GIVEN no command, or 1.5 s  THEN both are refused
    expect(() => HealthCheck.exec([])).toThrow("a health check needs a command");
    expect(() => HealthCheck.exec(["/x"], { intervalSeconds: 1.5 })).toThrow("health check intervalSeconds must be a whole number of seconds, got 1.5");
  });
});
