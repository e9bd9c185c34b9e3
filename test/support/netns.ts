// A throwaway network namespace with a dummy (or veth) device, and a way to run code inside it, for XDP link tests.

import { execFileSync } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { createRequire } from "node:module";
import type Koffi from "koffi";

/** `CLONE_NEWNET`: the namespace type setns(2) is asked to join. */
const CLONE_NEWNET = 0x4000_0000;

/** The test device's ifindex: chosen, so that it most likely names no device outside the namespace. */
const DEVICE_INDEX = 4242;

function ip(...args: string[]): string {
  return execFileSync("ip", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

let setns: ((fd: number, nstype: number) => number) | undefined;

function bindSetns(): (fd: number, nstype: number) => number {
  if (!setns) {
    const koffi = createRequire(import.meta.url)("koffi") as typeof Koffi;
    setns = koffi.load(null).func("int setns(int fd, int nstype)") as (fd: number, nstype: number) => number;
  }
  return setns;
}

/** A network namespace made for one test file, holding one test device. */
export interface TestNetns {
  readonly name: string;
  readonly device: string;
  /** The device's ifindex inside the namespace. */
  readonly ifindex: number;
  /** Runs `fn` with this (main) thread inside the namespace, and always switches back. */
  run<T>(fn: () => T): T;
  /** `ip -n <name> -j link show dev <device>`, parsed. */
  linkShow(): Record<string, unknown>;
  /** Deletes the namespace (and its device). Safe to call twice. */
  dispose(): void;
}

/**
 * Creates namespace `bpftypes-<pid>` with a device `bpft0`, up: a dummy device, or a veth end where
 * the kernel has no dummy driver. Needs root and iproute2.
 */
export function createTestNetns(): TestNetns {
  const name = `bpftypes-${process.pid}`;
  const device = "bpft0";
  ip("netns", "add", name);
  let alive = true;
  const dispose = (): void => {
    if (!alive) return;
    alive = false;
    ip("netns", "del", name);
  };
  try {
    try {
      ip("-n", name, "link", "add", device, "index", String(DEVICE_INDEX), "type", "dummy");
    } catch {
      // Kernels without the dummy driver: one end of a veth pair, both ends inside the namespace.
      ip("-n", name, "link", "add", device, "index", String(DEVICE_INDEX), "type", "veth", "peer", "name", `${device}p`);
    }
    ip("-n", name, "link", "set", device, "up");
    const linkShow = (): Record<string, unknown> => {
      const [link] = JSON.parse(ip("-n", name, "-j", "link", "show", "dev", device)) as Record<string, unknown>[];
      if (!link) throw new Error(`ip found no ${device} in ${name}`);
      return link;
    };
    const ifindex = linkShow()["ifindex"] as number;
    return {
      name,
      device,
      ifindex,
      linkShow,
      run<T>(fn: () => T): T {
        const enter = bindSetns();
        const home = openSync("/proc/thread-self/ns/net", "r");
        const target = openSync(`/var/run/netns/${name}`, "r");
        try {
          if (enter(target, CLONE_NEWNET) !== 0) throw new Error(`setns into ${name} failed`);
          let outcome: { value: T } | { error: unknown };
          try {
            outcome = { value: fn() };
          } catch (error) {
            outcome = { error };
          }
          // Going back matters more than fn's own error: everything after would run in the wrong namespace.
          if (enter(home, CLONE_NEWNET) !== 0) throw new Error("setns back to the original network namespace failed");
          if ("error" in outcome) throw outcome.error;
          return outcome.value;
        } finally {
          closeSync(target);
          closeSync(home);
        }
      },
      dispose,
    };
  } catch (error) {
    dispose();
    throw error;
  }
}
