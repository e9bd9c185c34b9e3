// Links: BPF_LINK_CREATE, with a shortcut for XDP links on a network device.

import { BPF_XDP, attachTypes } from "bpftypes";
import { linkCreateAttr } from "./attr.js";
import { BpfFd } from "./fd.js";
import { bpfCall } from "./syscall.js";

/** What to create a link from (the fields every link type has). */
export interface CreateLinkOptions {
  /** The program to attach. */
  readonly prog: BpfFd;
  /** `target_fd` or `target_ifindex` (one field): a cgroup fd, a device's ifindex ... */
  readonly target: number;
  /** `BPF_*` attach type (`BPF_XDP` ...). */
  readonly attachType: number;
  /** Attach-type-specific flags (`XDP_FLAGS_SKB_MODE` ...). */
  readonly flags?: number;
}

/** Creates a link (BPF_LINK_CREATE, Linux 5.7+): attached until the last descriptor or pin goes. */
export function createLink(options: CreateLinkOptions): BpfFd {
  const attr = linkCreateAttr({
    progFd: options.prog.fd,
    target: options.target,
    attachType: options.attachType,
    ...(options.flags !== undefined && { flags: options.flags }),
  });
  const fd = bpfCall("BPF_LINK_CREATE", attr, [], {
    doing: `creating ${attachTypes.shortName(options.attachType)} link to target ${options.target}`,
  });
  return new BpfFd(fd, "link");
}

/**
 * Attaches an XDP program to the network device `ifindex` through a link (BPF_XDP, Linux 5.9+).
 * The ifindex is read in the calling thread's network namespace.
 */
export function createXdpLink(prog: BpfFd, ifindex: number, flags = 0): BpfFd {
  return createLink({ prog, target: ifindex, attachType: BPF_XDP, flags });
}
