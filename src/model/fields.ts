import type { EventKind } from './event-kinds.js';
import { type FieldSpec, NET } from './field-spec.js';
import { CLOUD_FIELDS } from './fields-cloud.js';
import { PROCESS_FIELDS } from './fields-process.js';

export type { FieldSpec, FieldType } from './field-spec.js';

/** auditd records arrive as log events from the auditd source. */
const AUDIT: readonly EventKind[] = ['log'];

/** auditd a0..a9: argv[N] in EXECVE records, the N-th system call argument in SYSCALL records. */
const AUDIT_ARGS: readonly FieldSpec[] = Array.from({ length: 10 }, (_, n) => ({
  name: `audit.a${n}`,
  type: 'string' as const,
  description: `auditd argument a${n}: argv[${n}] in EXECVE records, system call argument ${n} in SYSCALL records.`,
  sigma: [`a${n}`],
  kinds: AUDIT,
}));

/**
 * The field table: every event field, declared once. Sigma rules can only name fields listed here (through their
 * `sigma` names); `minewarden fields` prints this table.
 */
export const FIELDS: readonly FieldSpec[] = [
  ...PROCESS_FIELDS,
  {
    name: 'network.transport',
    type: 'string',
    description: 'tcp or udp.',
    sigma: ['Protocol'],
    kinds: [...NET, 'flow'],
  },
  { name: 'network.family', type: 'integer', description: 'IP version, 4 or 6.', sigma: [], kinds: NET },
  {
    name: 'network.state',
    type: 'string',
    description: 'Socket state (ESTABLISHED, LISTEN, SYN_SENT ...).',
    sigma: [],
    kinds: NET,
  },
  {
    name: 'network.initiated',
    type: 'boolean',
    description: 'This host opened the connection.',
    sigma: ['Initiated'],
    kinds: NET,
  },
  {
    name: 'source.ip',
    type: 'ip',
    description:
      'Local address of the socket (the remote peer for auth events, the client for dns query logs, the caller for cloud API calls).',
    sigma: ['SourceIp', 'sourceIPAddress'],
    kinds: [...NET, 'auth', 'dns', 'flow', 'cloud-api'],
  },
  {
    name: 'source.port',
    type: 'integer',
    description: "Local port (the peer's port for auth and dns events).",
    sigma: ['SourcePort'],
    kinds: [...NET, 'auth', 'dns', 'flow'],
  },
  {
    name: 'destination.ip',
    type: 'ip',
    description: 'Remote address.',
    sigma: ['DestinationIp'],
    kinds: [...NET, 'flow'],
  },
  {
    name: 'destination.port',
    type: 'integer',
    description: 'Remote port.',
    sigma: ['DestinationPort'],
    kinds: [...NET, 'flow'],
  },
  {
    name: 'destination.hostname',
    type: 'string',
    description: 'Remote host name, when known.',
    sigma: ['DestinationHostname'],
    kinds: NET,
  },
  {
    name: 'listener.scope',
    type: 'string',
    description: 'Bind scope of a listener: loopback, private, public or any.',
    sigma: [],
    kinds: ['listener'],
  },
  {
    name: 'dns.query',
    type: 'string',
    description: 'Queried name.',
    sigma: ['QueryName', 'query'],
    kinds: ['dns'],
  },
  {
    name: 'dns.answers',
    type: 'string[]',
    description: 'Answers, as text.',
    sigma: ['QueryResults', 'answers'],
    kinds: ['dns'],
  },
  {
    name: 'file.path',
    type: 'string',
    description: 'Path of the file acted on.',
    sigma: ['TargetFilename', 'name'],
    kinds: ['file'],
  },
  {
    name: 'file.action',
    type: 'string',
    description: 'create, change, delete, rename, or present (seen by a sweep).',
    sigma: [],
    kinds: ['file'],
  },
  {
    name: 'file.kind',
    type: 'string',
    description:
      'What a swept file is: cron, systemd, rc, profile, shell-rc, authorized_keys, ld-preload, passwd, writable-dir, shell-history.',
    sigma: [],
    kinds: ['file'],
  },
  {
    name: 'file.content',
    type: 'string',
    description: 'File content up to the sweep cap (bytes as latin1).',
    sigma: [],
    kinds: ['file'],
  },
  {
    name: 'file.firstLine',
    type: 'integer',
    description:
      'Line number of the first line of file.content: 1, or further on when a shell history was read from its end; null when not counted.',
    sigma: [],
    kinds: ['file'],
  },
  {
    name: 'file.elf',
    type: 'boolean',
    description: 'The file starts with the ELF magic.',
    sigma: [],
    kinds: ['file'],
  },
  { name: 'file.size', type: 'integer', description: 'File size in bytes.', sigma: [], kinds: ['file'] },
  { name: 'file.mtime', type: 'time', description: 'Last modification time.', sigma: [], kinds: ['file'] },
  { name: 'file.uid', type: 'integer', description: 'Owner uid.', sigma: [], kinds: ['file'] },
  { name: 'auth.outcome', type: 'string', description: 'success or failure.', sigma: [], kinds: ['auth'] },
  {
    name: 'auth.method',
    type: 'string',
    description: 'password, publickey, keyboard-interactive ...',
    sigma: [],
    kinds: ['auth'],
  },
  {
    name: 'auth.user',
    type: 'string',
    description: 'Account the login was for.',
    sigma: ['TargetUserName'],
    kinds: ['auth'],
  },
  {
    name: 'auth.reason',
    type: 'string',
    description:
      'Message family of an auth event (failed, invalid-user, preauth-close, accepted ...; docs/sources.md).',
    sigma: [],
    kinds: ['auth'],
  },
  {
    name: 'auth.invalidUser',
    type: 'boolean',
    description: 'The account does not exist on the host (sshd "invalid user").',
    sigma: [],
    kinds: ['auth'],
  },
  {
    name: 'auth.count',
    type: 'integer',
    description: 'Attempts the line stands for, when syslog folded repeats ("message repeated N times").',
    sigma: [],
    kinds: ['auth'],
  },
  {
    name: 'source.domain',
    type: 'string',
    description: 'Remote peer as a host name, when the log names no address (sshd UseDNS).',
    sigma: [],
    kinds: ['auth'],
  },
  {
    name: 'log.message',
    type: 'string',
    description: 'The raw log line or message, verbatim.',
    sigma: [],
    kinds: ['auth', 'log'],
  },
  {
    name: 'log.program',
    type: 'string',
    description: 'Program that logged the line (sshd, CRON ...).',
    sigma: [],
    kinds: ['auth', 'log'],
  },
  {
    name: 'audit.type',
    type: 'string',
    description: 'auditd record type: EXECVE, SYSCALL, PATH, SERVICE_STOP ...',
    sigma: ['type'],
    kinds: AUDIT,
  },
  {
    name: 'audit.syscall',
    type: 'string',
    description: 'auditd system call name or number.',
    sigma: ['SYSCALL', 'syscall'],
    kinds: AUDIT,
  },
  {
    name: 'audit.key',
    type: 'string',
    description: 'auditd rule key (-k) that logged the record.',
    sigma: ['key'],
    kinds: AUDIT,
  },
  {
    name: 'audit.nametype',
    type: 'string',
    description: 'auditd PATH record kind: CREATE, DELETE, NORMAL, PARENT ...',
    sigma: ['nametype'],
    kinds: AUDIT,
  },
  {
    name: 'audit.unit',
    type: 'string',
    description: 'systemd unit named by an auditd SERVICE_START/SERVICE_STOP record.',
    sigma: ['unit'],
    kinds: AUDIT,
  },
  ...AUDIT_ARGS,
  ...CLOUD_FIELDS,
  {
    name: 'dns.type',
    type: 'string',
    description: 'Query type (A, AAAA, TXT ...), from DNS server query logs.',
    sigma: [],
    kinds: ['dns'],
  },
  {
    name: 'file.previousContent',
    type: 'string',
    description: 'Content before a change, for watched configuration files (capped).',
    sigma: [],
    kinds: ['file'],
  },
  {
    name: 'log.pid',
    type: 'integer',
    description: 'Process id in the log line tag (program[pid]).',
    sigma: [],
    kinds: ['auth', 'log'],
  },
  {
    name: 'log.hostname',
    type: 'string',
    description: 'Host name in the log line header.',
    sigma: [],
    kinds: ['auth', 'log', 'dns'],
  },
];

const BY_NAME = new Map(FIELDS.map((f) => [f.name, f]));
const BY_SIGMA = new Map<string, FieldSpec>();
for (const f of FIELDS)
  for (const s of f.sigma) if (!BY_SIGMA.has(s.toLowerCase())) BY_SIGMA.set(s.toLowerCase(), f);

export function fieldByName(name: string): FieldSpec | undefined {
  return BY_NAME.get(name);
}

/** Sigma field names are matched case-insensitively, as SigmaHQ rules are not consistent in case. */
export function fieldBySigmaName(name: string): FieldSpec | undefined {
  return BY_SIGMA.get(name.toLowerCase());
}

export type FieldName = (typeof FIELDS)[number]['name'];
