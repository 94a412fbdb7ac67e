// "Deployed" means it answers: the check a deploy ends with, against a real HTTP server on 127.0.0.1 playing the
// traffic entry (its answers carry the route revision and the version, or not).
import * as http from "http";
import { AddressInfo } from "net";
import { answerProblem, waitForAnswers } from "../cli/entry-answers";
import { CommandError } from "../cli/_processes";
import { ServedUrl } from "../stacks/stack-facts";

const URL_OF = (port: number, over: Partial<ServedUrl> = {}): ServedUrl => ({
  service: "api",
  url: `http://api.staging.localhost:${port}/`,
  host: "api.staging.localhost",
  path: "/",
  port,
  revision: "0123456789abcdef",
  versions: ["1.0.0"],
  errorsOnPurpose: false,
  unreadyOnPurpose: false,
  ...over,
});

/** An entry that answers the n-th request as `answer(n)` says; it records the Host headers it saw. */
async function entry(answer: (n: number) => { status: number; headers: Record<string, string>; body?: string }) {
  const hosts: string[] = [];
  let n = 0;
  const server = http.createServer((request, response) => {
    hosts.push(request.headers.host ?? "");
    const { status, headers, body } = answer(n++);
    response.writeHead(status, headers);
    response.end(body ?? "{}");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, hosts, close: () => new Promise((resolve) => server.close(resolve)) };
}

const quiet = { defaultPort: 80, timeoutSeconds: 3, inARow: 3 };

describe("waitForAnswers", () => {
  test("waits through the entry's own 404 and an old revision until the URL answers with the new one, by its host", async () => {
    // GIVEN an entry without the route at first, then with the previous revision, then the new one
    const server = await entry((n): { status: number; headers: Record<string, string> } =>
      n < 2 ? { status: 404, headers: {} } : n < 4 ? { status: 200, headers: { "Envapi-Route": "fedcba9876543210", "Envapi-Version": "1.0.0" } } : { status: 200, headers: { "Envapi-Route": "0123456789abcdef", "Envapi-Version": "1.0.0" } },
    );
    const logged: string[] = [];
    try {
      // WHEN checked  THEN it answers after 4 + 3 requests, all by the URL's host
      await waitForAnswers([URL_OF(server.port)], { ...quiet, log: (line) => logged.push(line) });
      expect(server.hosts).toHaveLength(7);
      expect(new Set(server.hosts)).toEqual(new Set(["api.staging.localhost"]));
      expect(logged.at(-1)).toMatch(/^ {2}http:\/\/api\.staging\.localhost:\d+\/ answers \(version 1\.0\.0, route 0123456789abcdef\) after \d+\.\d s$/);
    } finally {
      await server.close();
    }
  });

  test("a version the settings do not ask for never counts, and the error names the URL and what it got", async () => {
    // GIVEN the new route answered by the previous version (a rollback not in effect)
    const server = await entry(() => ({ status: 200, headers: { "Envapi-Route": "0123456789abcdef", "Envapi-Version": "2.0.0" } }));
    try {
      // WHEN checked  THEN it fails at the bound, naming the URL, the entry and the last answer
      const check = waitForAnswers([URL_OF(server.port)], { ...quiet, timeoutSeconds: 1, log: () => undefined });
      await expect(check).rejects.toThrow(CommandError);
      await expect(check).rejects.toThrow(`http://api.staging.localhost:${server.port}/ did not answer as deployed within 1 s through the traffic entry (127.0.0.1:${server.port}): last version 2.0.0 answered (the settings ask for 1.0.0)`);
    } finally {
      await server.close();
    }
  });

  test("no answer at all is reported as such, within the bound", async () => {
    // GIVEN a port nothing listens on (a server opened and closed)
    const server = await entry(() => ({ status: 200, headers: {} }));
    await server.close();
    await expect(waitForAnswers([URL_OF(server.port)], { ...quiet, timeoutSeconds: 1, log: () => undefined })).rejects.toThrow(/last no answer \(ECONNREFUSED\)$/);
  });

  test("a URL whose track fails a probe on purpose is not asked, and the log says so", async () => {
    const logged: string[] = [];
    await waitForAnswers([URL_OF(1, { unreadyOnPurpose: true })], { ...quiet, log: (line) => logged.push(line) });
    expect(logged).toEqual(["  http://api.staging.localhost:1/: not checked (a track with requests fails a probe on purpose)"]);
  });
});

describe("answerProblem", () => {
  const url = URL_OF(8082, { versions: ["1.0.0", "2.0.0"], errorsOnPurpose: true });
  test.each([
    [{ status: 200, revision: "0123456789abcdef", version: "2.0.0", onPurpose: false }, undefined],
    [{ status: 404, revision: "0123456789abcdef", version: "1.0.0", onPurpose: false }, undefined],
    [{ status: 500, revision: "0123456789abcdef", version: "2.0.0", onPurpose: true }, undefined],
    [{ status: 500, revision: "0123456789abcdef", version: "2.0.0", onPurpose: false }, "500 from version 2.0.0"],
    [{ status: 502, revision: "0123456789abcdef", onPurpose: false }, "502"],
    [{ status: 404, onPurpose: false }, "404 without a route revision (the traffic entry has no route for it yet)"],
    [{ status: 200, revision: "ffffffffffffffff", version: "1.0.0", onPurpose: false }, "200 through route revision ffffffffffffffff, not 0123456789abcdef (the traffic entry has not taken the new routes yet)"],
    [{ status: 200, revision: "0123456789abcdef", version: "3.0.0", onPurpose: false }, "version 3.0.0 answered (the settings ask for 1.0.0 or 2.0.0)"],
    [{ status: 0, onPurpose: false, error: "timeout" }, "no answer (timeout)"],
  ])("%j → %s", (answer, problem) => {
    expect(answerProblem(url, answer)).toBe(problem);
  });

  test("under Ingress routing (no revision) only the status and the version count", () => {
    expect(answerProblem(URL_OF(80, { revision: undefined }), { status: 200, version: "1.0.0", onPurpose: false })).toBeUndefined();
  });
});
