// bpftypes: the Linux eBPF kernel ABI as typed names, values and byte layouts (the pure core).
// The struct decoders are "bpftypes/codec" and the BTF parser "bpftypes/btf" (src/codec, src/btf).

export * from "./uapi/index.js";
