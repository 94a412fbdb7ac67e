import { splitReplicas } from "../model/gray-release";

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
