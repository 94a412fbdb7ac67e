// "Deployed" means it answers: each URL a stack serves is asked through the traffic entry (Traefik on the cluster,
// the Docker proxy) until it answers several times in a row with the route's revision (the entry took the routes the
// apply wrote) and a version the settings ask for, within a bounded wait that prints its progress.
import * as http from "http";
import { ROUTE_REVISION_HEADER, VERSION_HEADER } from "../model/route-revision";
import { ServedUrl } from "../stacks/stack-facts";
import { CommandError } from "./_processes";

/** One answer through the entry, as the check reads it. */
export interface EntryAnswer {
  /** HTTP status, 0 without an answer. */
  readonly status: number;
  /** The route revision the entry set. @default - none: not routed by a route of ours (the entry's own 404) */
  readonly revision?: string;
  /** The version the service says served it. @default - none said */
  readonly version?: string;
  /** The misbehaviour switch answered. */
  readonly onPurpose: boolean;
  /** Why there was no answer. @default - there was one */
  readonly error?: string;
}

/** How the check runs: the entry's address, the bound of the wait, answers in a row, where progress goes. */
export interface AnswerCheckOptions {
  /** The entry's port when the URL names none (the cluster's traffic entry). */
  readonly defaultPort: number;
  /** Longest wait per URL. */
  readonly timeoutSeconds: number;
  /** Good answers in a row that count as "answers". */
  readonly inARow: number;
  readonly log: (message: string) => void;
}

const ANSWER_TIMEOUT_MS = 5000;
const PAUSE_MS = 250;
const PROGRESS_EVERY_MS = 5000;

/** A GET of the URL's path through the entry on 127.0.0.1, by its host, on a connection of its own, within 5 s. */
export function askEntry(url: ServedUrl, port: number): Promise<EntryAnswer> {
  return new Promise((resolve) => {
    const request = http.get({ host: "127.0.0.1", port, path: url.path, headers: { Host: url.host }, agent: false, timeout: ANSWER_TIMEOUT_MS }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      // Only the start of the body is read for the misbehaviour's words; the rest is drained.
      response.on("data", (chunk: string) => (body = body.length < 4096 ? body + chunk : body));
      response.on("end", () => {
        const header = (name: string) => {
          const value = response.headers[name.toLowerCase()];
          return typeof value === "string" ? value : undefined;
        };
        resolve({ status: response.statusCode ?? 0, revision: header(ROUTE_REVISION_HEADER), version: header(VERSION_HEADER), onPurpose: body.includes("misbehaving on purpose") });
      });
    });
    request.on("timeout", () => request.destroy(Object.assign(new Error(`no answer within ${ANSWER_TIMEOUT_MS / 1000} s`), { code: "timeout" })));
    request.on("error", (error: NodeJS.ErrnoException) => resolve({ status: 0, onPurpose: false, error: error.code ?? error.message }));
  });
}

/** What is wrong with one answer for `url`, in words, or undefined when it is what the settings ask for. */
export function answerProblem(url: ServedUrl, answer: EntryAnswer): string | undefined {
  if (answer.status === 0) return `no answer (${answer.error ?? "unknown error"})`;
  if (url.revision !== undefined && answer.revision !== url.revision) {
    return answer.revision === undefined
      ? `${answer.status} without a route revision (the traffic entry has no route for it yet)`
      : `${answer.status} through route revision ${answer.revision}, not ${url.revision} (the traffic entry has not taken the new routes yet)`;
  }
  if (answer.status >= 500 && !(url.errorsOnPurpose && answer.onPurpose)) return `${answer.status}${answer.version === undefined ? "" : ` from version ${answer.version}`}`;
  if (answer.version !== undefined && !url.versions.includes(answer.version)) return `version ${answer.version} answered (the settings ask for ${url.versions.join(" or ")})`;
  return undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until every URL answers `inARow` times in a row as the settings ask (see answerProblem); throws a
 * CommandError naming the URL and the last answer when one does not within the bound. URLs whose tracks fail a
 * probe on purpose are not asked (said in the log).
 */
export async function waitForAnswers(served: readonly ServedUrl[], options: AnswerCheckOptions): Promise<void> {
  for (const url of served) {
    if (url.unreadyOnPurpose) {
      options.log(`  ${url.url}: not checked (a track with requests fails a probe on purpose)`);
      continue;
    }
    const port = url.port ?? options.defaultPort;
    const started = Date.now();
    let lastProgress = started;
    let inARow = 0;
    let last = "nothing asked yet";
    let versions = new Set<string>();
    while (inARow < options.inARow) {
      if (Date.now() - started > options.timeoutSeconds * 1000) {
        throw new CommandError(`${url.url} did not answer as deployed within ${options.timeoutSeconds} s through the traffic entry (127.0.0.1:${port}): last ${last}`);
      }
      const answer = await askEntry(url, port);
      const problem = answerProblem(url, answer);
      if (problem === undefined) {
        inARow++;
        if (answer.version !== undefined) versions.add(answer.version);
      } else {
        inARow = 0;
        versions = new Set();
        last = problem;
      }
      if (Date.now() - lastProgress >= PROGRESS_EVERY_MS) {
        lastProgress = Date.now();
        options.log(`  waiting for ${url.url} to answer through the traffic entry (${Math.round((lastProgress - started) / 1000)} s; last: ${last})`);
      }
      if (inARow < options.inARow) await sleep(problem === undefined ? 0 : PAUSE_MS);
    }
    const said = versions.size > 0 ? `version ${[...versions].join(", ")}` : "no version said by the service";
    options.log(`  ${url.url} answers (${said}${url.revision === undefined ? "" : `, route ${url.revision}`}) after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}
