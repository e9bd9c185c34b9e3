// Kernel release numbers and "first kernel that has it" facts, compared without a kernel at hand.

/**
 * When a value first appeared in Linux. Most facts are exact (`"5.8"`); a few are only known to lie
 * between two releases (`">6.18,<=7.1"`: absent in 6.18, present in 7.1).
 */
export interface Since {
  /** The fact as written in the project's data, e.g. `"5.8"` or `">6.18,<=7.1"`. */
  readonly text: string;
  /** The first release that has the value, when known exactly. */
  readonly exact: string | undefined;
  /** A release known to lack the value (the lower bound, exclusive), for inexact facts. */
  readonly after: string | undefined;
  /** A release known to have the value (the upper bound, inclusive), for inexact facts. */
  readonly atMost: string | undefined;
}

const releasePattern = /^(\d+)\.(\d+)(?:\.(\d+))?/;

/**
 * Splits a kernel release such as `"6.18.44-fc-v782"` or `"5.8"` into `[major, minor, patch]`;
 * anything after the numbers (a local version, `-rc1`) is ignored. Returns `undefined` when the
 * text does not start with `major.minor`.
 */
export function parseKernelRelease(release: string): [number, number, number] | undefined {
  const match = releasePattern.exec(release.trim());
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
}

/** Orders two kernel releases: negative when `a` is older, 0 when equal, positive when newer. */
export function compareKernelReleases(a: string, b: string): number {
  const left = parseKernelRelease(a);
  const right = parseKernelRelease(b);
  if (!left || !right) throw new RangeError(`comparing kernel releases: "${left ? b : a}" is not a release like 6.1`);
  return left[0] - right[0] || left[1] - right[1] || left[2] - right[2];
}

/** Reads a `since` fact as stored in the tables (`"5.8"` or `">6.18,<=7.1"`). */
export function parseSince(text: string): Since {
  // Nearly every fact is an exact release; only a range starts with ">".
  const bounds = text.startsWith(">") ? /^>([\d.]+),<=([\d.]+)$/.exec(text) : null;
  if (bounds) return { text, exact: undefined, after: bounds[1], atMost: bounds[2] };
  return { text, exact: text, after: undefined, atMost: undefined };
}

/**
 * Whether a kernel release has a value first seen at `since`: `true` or `false`, or `undefined`
 * when the fact is a range and the release falls inside it.
 */
export function isAvailableIn(since: Since, release: string): boolean | undefined {
  if (since.exact !== undefined) return compareKernelReleases(release, since.exact) >= 0;
  if (since.atMost !== undefined && compareKernelReleases(release, since.atMost) >= 0) return true;
  if (since.after !== undefined && compareKernelReleases(release, since.after) <= 0) return false;
  return undefined;
}

/** Words for a `since` fact, as used in docs and the command line: "Linux 5.8", "after Linux 6.18, by 7.1". */
export function describeSince(since: Since): string {
  if (since.exact !== undefined) return `Linux ${since.exact}`;
  return `after Linux ${since.after ?? "?"}, by ${since.atMost ?? "?"}`;
}
