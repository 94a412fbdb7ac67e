import { isQuantity, parseQuantity, suggestQuantity } from "../model/quantity";

describe("quantities", () => {
  test.each(["250m", "1", "0.5", "512Mi", "1Gi", "1e3", "100k"])("%s is a quantity", (value) => expect(isQuantity(value)).toBe(true));
  test.each(["512mb", "1 Gi", "", "-1", "Mi", "1GB"])("%s is not a quantity", (value) => expect(isQuantity(value)).toBe(false));
  test("parses to base units", () => {
    expect(parseQuantity("250m")).toBeCloseTo(0.25);
    expect(parseQuantity("512Mi")).toBe(512 * 1024 * 1024);
    expect(parseQuantity("1G")).toBe(1e9);
    expect(() => parseQuantity("512mb")).toThrow('"512mb" is not a Kubernetes quantity');
  });
  test("suggests the likely spelling", () => {
    expect(suggestQuantity("512mb")).toBe("512Mi");
    expect(suggestQuantity("2GB")).toBe("2Gi");
    expect(suggestQuantity("abc")).toBeUndefined();
  });
});
