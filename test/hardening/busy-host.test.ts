// A busy host: while another process creates and destroys maps and programs as fast as it can, listing never fails, never misses a long-lived object, and leaks no descriptor.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_HASH, BPF_PROG_TYPE_SOCKET_FILTER, BPF_PROG_TYPE_XDP, BPF_XDP } from "bpftypes";
import {
  type BpfFd,
  createMap,
  createXdpLink,
  linkByFd,
  links,
  loadProgram,
  mapByFd,
  maps,
  programByFd,
  programs,
} from "bpftypes/node";
import { checkFdLeaks } from "../support/fds.js";
import { XDP_PASS, returnImm } from "../support/insns.js";
import { liveSkip } from "../support/live.js";
import { type TestNetns, createTestNetns } from "../support/netns.js";
import { cliPath, runCliAll } from "./cli-support.js";

checkFdLeaks();

/** How long the other process churns, and how long this one lists meanwhile. */
const CHURN_SECONDS = 9;
const LIST_MS = 7000;

/** Descriptors this process has open, from /proc. */
const openFds = (): number => readdirSync("/proc/self/fd").length;

describe("listing on a busy host", { skip: liveSkip }, () => {
  const held: BpfFd[] = [];
  let ns: TestNetns | undefined;
  const stable = { map: new Set<number>(), prog: new Set<number>(), link: new Set<number>() };

  before(() => {
    // Objects that exist the whole time: every listing must show them.
    for (const [i, mapType] of [BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_HASH].entries()) {
      const map = createMap({ mapType, keySize: 4, valueSize: 8, maxEntries: 4, name: `busy_stable_${i}` });
      held.push(map);
      stable.map.add(mapByFd(map).id);
    }
    for (let i = 0; i < 2; i++) {
      const prog = loadProgram({ progType: BPF_PROG_TYPE_SOCKET_FILTER, insns: returnImm(0), license: "GPL", name: `busy_stable_${i}` }).fd;
      held.push(prog);
      stable.prog.add(programByFd(prog).id);
    }
    ns = createTestNetns();
    const xdp = loadProgram({ progType: BPF_PROG_TYPE_XDP, insns: returnImm(XDP_PASS), license: "GPL", expectedAttachType: BPF_XDP, name: "busy_xdp" }).fd;
    held.push(xdp);
    stable.prog.add(programByFd(xdp).id);
    const link = ns.run(() => createXdpLink(xdp, ns!.ifindex));
    held.push(link);
    stable.link.add(linkByFd(link).id);
  });

  after(() => {
    for (const fd of held.reverse()) fd.close();
    ns?.dispose();
  });

  const missing = (kind: keyof typeof stable, listed: Iterable<number>): number[] => {
    const seen = new Set(listed);
    return [...stable[kind]].filter((id) => !seen.has(id));
  };

  test(`map, prog and link listings through the library and the command survive ${CHURN_SECONDS} s of churn`, async () => {
    const churn = spawn(process.execPath, [fileURLToPath(new URL("./churn.js", import.meta.url)), String(CHURN_SECONDS)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    churn.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    churn.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => churn.on("close", resolve));
    try {
      // Start listing only once the other process is creating objects.
      const startBy = Date.now() + 10_000;
      while (!out.includes("started") && Date.now() < startBy && churn.exitCode === null) await new Promise((r) => setTimeout(r, 20));
      assert.ok(out.includes("started"), `the churning process did not start: ${err}`);

      const fdsBefore = openFds();
      const counts = { library: 0, cli: 0, churnSeen: 0 };
      const kinds = ["map", "prog", "link"] as const;
      const deadline = Date.now() + LIST_MS;
      while (Date.now() < deadline) {
        const mapIds = [...maps()].map((m) => m.id);
        const progIds = [...programs()].map((p) => p.id);
        const linkIds = [...links()].map((l) => l.id);
        assert.deepEqual(missing("map", mapIds), [], "map listing missed a long-lived map");
        assert.deepEqual(missing("prog", progIds), [], "program listing missed a long-lived program");
        assert.deepEqual(missing("link", linkIds), [], "link listing missed a long-lived link");
        counts.churnSeen += mapIds.filter((id) => !stable.map.has(id)).length;
        counts.library++;
        assert.equal(openFds(), fdsBefore, "the listing process has more descriptors open than before");
        if (cliPath && counts.library % 2 === 0) {
          const kind = kinds[counts.cli % kinds.length]!;
          const [ran] = await runCliAll([["--json", kind, "list"]]);
          const shown = `bpftypes --json ${kind} list: exit ${ran!.status}\nstderr: ${ran!.stderr}\nstdout: ${ran!.stdout.slice(0, 500)}`;
          assert.equal(ran!.status, 0, shown);
          assert.equal(ran!.stderr, "", shown);
          const listed = (JSON.parse(ran!.stdout) as { id: number }[]).map((o) => o.id);
          assert.deepEqual(missing(kind, listed), [], `the command's ${kind} list missed a long-lived ${kind}`);
          counts.cli++;
        } else {
          await new Promise((r) => setImmediate(r));
        }
      }
      assert.equal(openFds(), fdsBefore, "descriptors leaked by the listings");
      const code = await exited;
      assert.equal(code, 0, `the churning process failed: ${err}`);
      const churned = JSON.parse(out.trim().split("\n").pop() ?? "{}") as { maps?: number; progs?: number };
      console.log(
        `busy host: ${counts.library} library rounds and ${counts.cli} command runs while the other process created ` +
          `${churned.maps} maps and ${churned.progs} programs; the listings saw ${counts.churnSeen} short-lived maps`,
      );
      assert.ok((churned.maps ?? 0) > 100, "the other process hardly churned");
      assert.ok(counts.library >= 5, "too few listing rounds to say anything");
      if (cliPath) assert.ok(counts.cli >= 3, "too few command runs to say anything");
    } finally {
      churn.kill("SIGKILL");
      await exited;
    }
  });
});
