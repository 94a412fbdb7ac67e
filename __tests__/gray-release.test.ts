import { routedReplicas, splitReplicas } from "../model/gray-release";

describe("splitReplicas", () => {
  test.each([
    // replicas, weight, stable, canary, effective
    [1, 0, 1, 0, 0],
    [1, 5, 1, 1, 50],
    [1, 100, 0, 1, 100],
    [4, 5, 3, 1, 25],
    [4, 25, 3, 1, 25],
    [20, 5, 19, 1, 5],
    [20, 25, 15, 5, 25],
    [2, 99, 1, 1, 50],
  ])("%i replicas at %i%% → %i stable + %i canary (%i%%)", (replicas, weight, stable, canary, effective) => {
    expect(splitReplicas(replicas, weight)).toEqual({ stable, canary, requestedWeight: weight, effectiveWeight: effective });
  });

  test("rejects impossible input", () => {
    expect(() => splitReplicas(0, 5)).toThrow("replicas must be a positive integer, got 0");
    expect(() => splitReplicas(3, 101)).toThrow("weight must be an integer in 0..100, got 101");
  });
});

describe("routedReplicas (a route splits the traffic by weight)", () => {
  test.each([
    // replicas, weight, canaryReplicas, stable, canary
    [2, 0, 1, 2, 1],
    [2, 5, 1, 2, 1],
    [2, 25, 1, 2, 1],
    [2, 100, 1, 2, 1],
    [3, 5, 2, 3, 2],
  ])("%i replicas at %i%% with %i canary replicas → %i stable + %i canary, the weight exact", (replicas, weight, canaryReplicas, stable, canary) => {
    expect(routedReplicas(replicas, weight, canaryReplicas)).toEqual({ stable, canary, requestedWeight: weight, effectiveWeight: weight });
  });

  test("refuses impossible input", () => {
    expect(() => routedReplicas(2, 5, 0)).toThrow("canary replicas must be a positive integer, got 0");
  });
});
