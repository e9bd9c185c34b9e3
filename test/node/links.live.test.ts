// Live tests of links: an XDP link on a dummy device in a network namespace the test creates and deletes.

import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { rmSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { BPF_PROG_TYPE_XDP, BPF_XDP } from "bpftypes";
import { type BpfFd, allIds, createLink, createXdpLink, fdKindOf, getFdById, getPinned, isErrno, loadProgram, pinObject } from "bpftypes/node";
import { bpftoolJson, haveBpftool } from "../support/bpftool.js";
import { type TempBpffs, mountBpffs } from "../support/bpffs.js";
import { checkFdLeaks } from "../support/fds.js";
import { XDP_PASS, returnImm } from "../support/insns.js";
import { liveSkip } from "../support/live.js";
import { type TestNetns, createTestNetns } from "../support/netns.js";
import { idOf } from "../support/objects.js";

checkFdLeaks();

describe("xdp links", { skip: liveSkip }, () => {
  let ns: TestNetns | undefined;
  let prog: BpfFd | undefined;
  before(() => {
    ns = createTestNetns();
    prog = loadProgram({ progType: BPF_PROG_TYPE_XDP, insns: returnImm(XDP_PASS), license: "GPL", expectedAttachType: BPF_XDP, name: "bpftypes_xdp" }).fd;
  });
  after(() => {
    prog?.close();
    ns?.dispose();
  });
  const netns = (): TestNetns => ns as TestNetns;
  const xdpProg = (): BpfFd => prog as BpfFd;

  test("a link attaches the program to the device, until it is closed", () => {
    const link = netns().run(() => createXdpLink(xdpProg(), netns().ifindex));
    try {
      assert.equal(link.kind, "link");
      assert.equal(fdKindOf(link.fd), "link");
      const xdp = netns().linkShow()["xdp"] as { prog?: { id?: number } } | undefined;
      assert.equal(xdp?.prog?.id, idOf(xdpProg()), "ip link shows our program on the device");
      assert.ok([...allIds("link")].includes(idOf(link)));
      using again = getFdById("link", idOf(link));
      assert.equal(again.kind, "link");
      assert.equal(idOf(again), idOf(link));
    } finally {
      link.close();
    }
    assert.equal(netns().linkShow()["xdp"], undefined, "closing the last link fd detaches");
  });

  test("a second link on the same device is EBUSY", () => {
    using _first = netns().run(() => createXdpLink(xdpProg(), netns().ifindex));
    assert.throws(
      () => netns().run(() => createXdpLink(xdpProg(), netns().ifindex)),
      (error) => isErrno(error, "EBUSY") && /^creating xdp link to target \d+: device or resource busy \(EBUSY\)/.test(error.message),
    );
  });

  test("an ifindex no device has is EINVAL (the kernel's answer for XDP links)", () => {
    assert.throws(
      () => netns().run(() => createLink({ prog: xdpProg(), target: 0x7fff_fff0, attachType: BPF_XDP })),
      (error) => isErrno(error, "EINVAL") && /^creating xdp link to target 2147483632: invalid argument/.test(error.message),
    );
  });

  test("the ifindex is read in the caller's namespace: outside it, the device is not there", (t) => {
    // The namespace's device index is small and may exist outside too, so look for one that does not.
    const outside = new Set((JSON.parse(execFileSync("ip", ["-j", "link", "show"], { encoding: "utf8" })) as { ifindex: number }[]).map((l) => l.ifindex));
    const inside = netns().ifindex;
    if (outside.has(inside)) return t.skip(`ifindex ${inside} exists outside the namespace too`);
    assert.throws(() => createXdpLink(xdpProg(), inside), (error) => isErrno(error, "EINVAL"));
  });

  test("bpftool sees the link", { skip: haveBpftool ? false : "bpftool is not installed" }, () => {
    using link = netns().run(() => createXdpLink(xdpProg(), netns().ifindex));
    const shown = bpftoolJson("link", "show", "id", String(idOf(link))) as Record<string, unknown>;
    assert.equal(shown["type"], "xdp");
    assert.equal(shown["prog_id"], idOf(xdpProg()));
    // bpftool runs outside the namespace: it may name the device "(unknown)" or omit it.
    if ("ifindex" in shown) assert.equal(shown["ifindex"], netns().ifindex);
  });

  describe("pinned", () => {
    let fs: TempBpffs | undefined;
    before(() => (fs = mountBpffs()));
    after(() => fs?.dispose());

    test("a pinned link keeps the program attached after its fd is closed", () => {
      const path = join((fs as TempBpffs).dir, "link");
      {
        using link = netns().run(() => createXdpLink(xdpProg(), netns().ifindex));
        pinObject(link, path);
      }
      try {
        const xdp = netns().linkShow()["xdp"] as { prog?: { id?: number } } | undefined;
        assert.equal(xdp?.prog?.id, idOf(xdpProg()));
        using again = getPinned(path);
        assert.equal(again.kind, "link");
      } finally {
        rmSync(path);
      }
      assert.equal(netns().linkShow()["xdp"], undefined, "removing the pin detaches");
    });
  });
});
