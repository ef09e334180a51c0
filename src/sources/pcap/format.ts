/** Capture-file constants: magic numbers, pcapng block types and the link types we decode. */

export const PCAP_MAGIC_MICRO = 0xa1b2c3d4;
export const PCAP_MAGIC_NANO = 0xa1b23c4d;
export const PCAPNG_SHB = 0x0a0d0d0a;
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;

export const BLOCK_IDB = 0x00000001;
export const BLOCK_PB_OBSOLETE = 0x00000002;
export const BLOCK_SPB = 0x00000003;
export const BLOCK_EPB = 0x00000006;

export const LINK_NULL = 0;
export const LINK_ETHERNET = 1;
export const LINK_RAW = 101;
export const LINK_LOOP = 108;
export const LINK_SLL = 113;
export const LINK_IPV4 = 228;
export const LINK_IPV6 = 229;
export const LINK_SLL2 = 276;
/** Some BSDs write DLT_RAW with its platform number instead of LINKTYPE_RAW. */
export const LINK_RAW_BSD_A = 12;
export const LINK_RAW_BSD_B = 14;

export const SUPPORTED_LINK_TYPES: ReadonlySet<number> = new Set([
  LINK_NULL,
  LINK_ETHERNET,
  LINK_RAW,
  LINK_RAW_BSD_A,
  LINK_RAW_BSD_B,
  LINK_LOOP,
  LINK_SLL,
  LINK_IPV4,
  LINK_IPV6,
  LINK_SLL2,
]);

/**
 * Largest record or block we accept. libpcap itself caps snapshots at 256 KiB for the link types we read; a length
 * field far beyond that is corruption, and trusting it would mean buffering gigabytes.
 */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;
