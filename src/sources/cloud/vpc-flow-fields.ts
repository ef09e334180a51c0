/** AWS VPC Flow Logs field names by the version that introduced them (AWS "Flow log records" reference). */
const BY_VERSION: Readonly<Record<number, readonly string[]>> = {
  2: [
    'version',
    'account-id',
    'interface-id',
    'srcaddr',
    'dstaddr',
    'srcport',
    'dstport',
    'protocol',
    'packets',
    'bytes',
    'start',
    'end',
    'action',
    'log-status',
  ],
  3: ['vpc-id', 'subnet-id', 'instance-id', 'tcp-flags', 'type', 'pkt-srcaddr', 'pkt-dstaddr'],
  4: ['region', 'az-id', 'sublocation-type', 'sublocation-id'],
  5: ['pkt-src-aws-service', 'pkt-dst-aws-service', 'flow-direction', 'traffic-path'],
};

/** The default format: the version 2 fields in their documented order, what a log without a header line holds. */
export const DEFAULT_FIELDS: readonly string[] = BY_VERSION[2] ?? [];

export const SUPPORTED_VERSIONS: ReadonlySet<number> = new Set([2, 3, 4, 5]);

/** Field name -> the version that introduced it, for the versions we read. */
export const KNOWN_FIELDS: ReadonlyMap<string, number> = new Map(
  Object.entries(BY_VERSION).flatMap(([v, names]) => names.map((n) => [n, Number(v)] as const)),
);

/** Columns the reader uses, as indexes into a record's values (-1: not in this format). */
export interface ColumnMap {
  readonly count: number;
  readonly version: number;
  readonly account: number;
  readonly iface: number;
  readonly src: number;
  readonly dst: number;
  readonly sport: number;
  readonly dport: number;
  readonly proto: number;
  readonly packets: number;
  readonly bytes: number;
  readonly start: number;
  readonly end: number;
  readonly action: number;
  readonly status: number;
  readonly vpc: number;
  readonly subnet: number;
  readonly instance: number;
  readonly flags: number;
  readonly pktSrc: number;
  readonly pktDst: number;
  readonly region: number;
  readonly srcService: number;
  readonly dstService: number;
  readonly direction: number;
  /** Names in the header that no version 2-5 defines (read past, listed once). */
  readonly unknown: readonly string[];
}

export function columnMap(names: readonly string[]): ColumnMap {
  const at = (n: string) => names.indexOf(n);
  return {
    count: names.length,
    version: at('version'),
    account: at('account-id'),
    iface: at('interface-id'),
    src: at('srcaddr'),
    dst: at('dstaddr'),
    sport: at('srcport'),
    dport: at('dstport'),
    proto: at('protocol'),
    packets: at('packets'),
    bytes: at('bytes'),
    start: at('start'),
    end: at('end'),
    action: at('action'),
    status: at('log-status'),
    vpc: at('vpc-id'),
    subnet: at('subnet-id'),
    instance: at('instance-id'),
    flags: at('tcp-flags'),
    pktSrc: at('pkt-srcaddr'),
    pktDst: at('pkt-dstaddr'),
    region: at('region'),
    srcService: at('pkt-src-aws-service'),
    dstService: at('pkt-dst-aws-service'),
    direction: at('flow-direction'),
    unknown: names.filter((n) => !KNOWN_FIELDS.has(n)),
  };
}

/** A header line names fields: every token is lowercase letters and dashes, and srcaddr and dstaddr are among them. */
export function headerFields(line: string): string[] | null {
  const names = line.trim().split(/\s+/);
  if (!names.every((n) => /^[a-z][a-z0-9-]*$/.test(n))) return null;
  return names;
}
