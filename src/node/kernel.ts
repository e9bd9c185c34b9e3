// The kernel constants this layer uses, gathered in one place (re-exported from the generated tables).
// TEMPORARY: written out here until src/uapi/gen lands; then this file re-exports from "../index.js".

export const BPF_MAP_CREATE = 0;
export const BPF_MAP_LOOKUP_ELEM = 1;
export const BPF_MAP_UPDATE_ELEM = 2;
export const BPF_MAP_DELETE_ELEM = 3;
export const BPF_MAP_GET_NEXT_KEY = 4;
export const BPF_PROG_LOAD = 5;
export const BPF_OBJ_PIN = 6;
export const BPF_OBJ_GET = 7;
export const BPF_PROG_GET_NEXT_ID = 11;
export const BPF_MAP_GET_NEXT_ID = 12;
export const BPF_PROG_GET_FD_BY_ID = 13;
export const BPF_MAP_GET_FD_BY_ID = 14;
export const BPF_OBJ_GET_INFO_BY_FD = 15;
export const BPF_BTF_LOAD = 18;
export const BPF_BTF_GET_FD_BY_ID = 19;
export const BPF_BTF_GET_NEXT_ID = 23;
export const BPF_LINK_CREATE = 28;
export const BPF_LINK_GET_FD_BY_ID = 30;
export const BPF_LINK_GET_NEXT_ID = 31;
export const BPF_ENABLE_STATS = 32;

export const BPF_MAP_TYPE_PERCPU_HASH = 5;
export const BPF_MAP_TYPE_PERCPU_ARRAY = 6;
export const BPF_MAP_TYPE_LRU_PERCPU_HASH = 10;
export const BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE = 21;

export const BPF_OBJ_NAME_LEN = 16;
export const BPF_XDP = 37;
export const BPF_STATS_RUN_TIME = 0;
