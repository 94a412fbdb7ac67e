// The synth bundle's stand-in for cdktf's token creation stacks (scripts/_deferred-stack-trace.js).
/* eslint-disable @typescript-eslint/no-require-imports */
type Capture = { captureStackTrace(below?: (...args: never[]) => unknown): string[] };
const deferred: Capture = require("../scripts/_deferred-stack-trace.js");
const stock: Capture = require("cdktf/lib/tokens/private/stack-trace");

describe("deferred token stack traces", () => {
  test("read back, they are the lines cdktf's own capture gives at the same point", () => {
    // GIVEN both implementations called from the same frame
    // WHEN each captures there
    const [ours, theirs] = [deferred, stock].map((implementation) => implementation.captureStackTrace());
    // THEN the arrays read the same, element by element and through array methods
    expect(ours.length).toBeGreaterThan(3);
    expect([...ours]).toEqual(theirs);
    expect(ours.join("\n    at ")).toBe(theirs.join("\n    at "));
    expect(Array.isArray(ours)).toBe(true);
    expect(JSON.stringify(ours)).toBe(JSON.stringify(theirs));
  });

  test("frames are formatted only when first read, and only once", () => {
    // GIVEN a stack formatter that counts its calls
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a CallSite's toString is V8's frame format
    const formats = jest.fn((frames: NodeJS.CallSite[]) => frames.map((frame) => `    at ${frame.toString()}`).join("\n"));
    const previous = Error.prepareStackTrace;
    Error.prepareStackTrace = (_error, frames) => `Error\n${formats(frames)}`;
    try {
      // WHEN a stack is captured
      const stack = deferred.captureStackTrace();
      // THEN nothing is formatted until it is read
      expect(formats).not.toHaveBeenCalled();
      expect(stack[0]).toContain("deferred-stack-trace.test.ts");
      expect(stack.length).toBeGreaterThan(0);
      expect(formats).toHaveBeenCalledTimes(1);
    } finally {
      Error.prepareStackTrace = previous;
    }
  });

  test("a `below` function hides itself and every frame above it", () => {
    // GIVEN a helper that captures below itself
    function helper() {
      return deferred.captureStackTrace(helper);
    }
    // WHEN it runs
    const stack = helper();
    // THEN the first line is its caller, not the helper
    expect(stack[0]).not.toMatch(/helper/);
    expect(stack[0]).toContain("deferred-stack-trace.test.ts");
  });
});
