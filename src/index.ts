// bpftypes: the Linux eBPF kernel ABI as typed names, values and byte layouts (the pure core).

export * from "./uapi/index.js";
export * from "./btf/index.js";
export * from "./codec/index.js";
