import { deepMerge } from "../settings";

describe("deepMerge", () => {
  test("objects merge key by key and the inputs are not changed", () => {
    const base = { a: { b: 1, c: 2 }, d: 3 };
    expect(deepMerge(base, { a: { c: 9 } })).toEqual({ a: { b: 1, c: 9 }, d: 3 });
    expect(base).toEqual({ a: { b: 1, c: 2 }, d: 3 });
  });
  test("named lists merge by name; new names are appended", () => {
    const base = { services: [{ name: "api", replicas: 1, port: 8080 }] };
    const merged = deepMerge(base, { services: [{ name: "api", replicas: 3 }, { name: "worker", replicas: 1 }] });
    expect(merged).toEqual({ services: [{ name: "api", replicas: 3, port: 8080 }, { name: "worker", replicas: 1 }] });
  });
  test("other lists are replaced and null removes a key", () => {
    expect(deepMerge({ tags: ["a", "b"], x: 1 }, { tags: ["c"], x: null })).toEqual({ tags: ["c"] });
  });
});
