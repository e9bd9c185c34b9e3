// The `bpftypes/node` entry point: real bpf(2) calls from Node (Linux only), over the pure core.

export { type BpfBackend, bpfBackend, setBpfBackend, bpfSyscallNumber, koffiPrebuiltPath } from "./ffi.js";
export { BpfError, type BpfErrorInit, isBpfError, isErrno, errnoName, BpfUnavailableError, isBpfUnavailableError } from "./errors.js";
export { BpfFd, type BpfFdKind, openFdCount, fdKindOf } from "./fd.js";
export {
  type KeepAlive,
  type CountWidth,
  type BufferRefFields,
  type ArrayRefFields,
  addressOf,
  keepHolds,
  writeSizedPointer,
  writeStringPointer,
  writeBufferRef,
  writeArrayRef,
  cString,
} from "./memory.js";
export {
  BPF_ATTR_SIZE,
  BPF_INSN_SIZE,
  ATTR_LAYOUT,
  type AttrField,
  type AttrGroup,
  type MapCreateAttrInit,
  type ProgLoadAttrInit,
  type LinkCreateAttrInit,
  type SizedBuffer,
  type RecordArray,
  newAttr,
  writeObjectName,
  mapCreateAttr,
  mapElemAttr,
  progLoadAttr,
  readLogTrueSize,
  objPinAttr,
  getIdAttr,
  readNextId,
  infoAttr,
  readInfoLen,
  btfLoadAttr,
  linkCreateAttr,
  enableStatsAttr,
} from "./attr.js";
export { bpfCall, type BpfCommandName, type CallContext } from "./syscall.js";
export { type IdKind, getNextId, allIds, getFdById, tryGetFdById } from "./ids.js";
export {
  type InfoPointerField,
  type InfoPointerName,
  type InfoBuffers,
  type InfoReply,
  INFO_POINTER_FIELDS,
  getInfoRaw,
  infoRequest,
  getInfo,
  getBtfBytes,
} from "./objinfo.js";
export {
  type MapShape,
  type CreateMapOptions,
  type LookupOptions,
  MapFd,
  ElemFlags,
  isPerCpuMapType,
  createMap,
  readMapShape,
  mapFromFd,
  mapFromId,
  mapLookup,
  mapUpdate,
  mapFreeze,
  mapDelete,
  mapNextKey,
  mapKeys,
} from "./maps.js";
export { type LoadProgramOptions, type LoadedProgram, DEFAULT_LOG_SIZE, loadProgram, logText } from "./progs.js";
export { type CreateLinkOptions, createLink, createXdpLink } from "./links.js";
export { enableStats } from "./stats.js";
export { type LoadBtfOptions, loadBtf } from "./btf.js";
export { pinObject, getPinned } from "./pin.js";
export { parseCpuIds, parseCpuList, possibleCpuCount, possibleCpus } from "./cpus.js";
export { HOST_LITTLE_ENDIAN } from "./bytes.js";
export {
  type ProgramDetails,
  type MapDetails,
  type LinkDetails,
  type BtfDetails,
  type ProgramOptions,
  type MapOptions,
  type LinkOptions,
  type BtfOptions,
  type BtfUsers,
  Inspector,
  ObjectKindError,
  programs,
  programsAsText,
  mapsAsText,
  type TextOptions,
  maps,
  links,
  btfObjects,
  programById,
  programByFd,
  programByPin,
  mapById,
  mapByFd,
  mapByPin,
  linkById,
  linkByFd,
  linkByPin,
  btfById,
  btfByFd,
  btfUsers,
} from "./objects.js";
export { IteratorUnavailableError, type WalkMethod } from "./iter/listing.js";
export { TextPrinter, type TextPiece, type LaterPiece, type TextObject, type ValueSlot, type ListEmitter } from "./iter/print.js";
export { PROGRAM_TEXT_VALUES } from "./iter/programs.js";
export { MAP_TEXT_VALUES } from "./iter/maps.js";
export { Assembler, HELPER, PSEUDO_MAP_FD, PSEUDO_MAP_VALUE, type Reg, type Size } from "./iter/asm.js";
export { KernelBtf, KernelBtfError, KernelTypes, type KernelField } from "./iter/kernel-btf.js";
export { CachedKernelTypes } from "./iter/kernel-types.js";
export { cacheDirectory, readCacheFile, writeCacheFile } from "./cache-files.js";
export { runIterator, objectId, type IterTarget, type IterOutput, type IteratorProgram } from "./iter/run.js";
export { kernelPageSize } from "./page-size.js";
export { FdinfoReader, fdinfoField, fdinfoNumber, parseFdinfo, readFdinfoNumbers } from "./fdinfo.js";
export { bootTimeMs, bootTimeNs, bootNsToEpochMs, bootNsToEpochNs, resetBootTime } from "./boot-time.js";
