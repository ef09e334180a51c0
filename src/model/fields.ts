import type { EventKind } from './event-kinds.js';

export type FieldType = 'string' | 'integer' | 'number' | 'boolean' | 'string[]' | 'ip' | 'time';

export interface FieldSpec {
  /** The model's name, used by coded detectors and in event files. */
  readonly name: string;
  readonly type: FieldType;
  readonly description: string;
  /** Sigma taxonomy names that map to this field, first one preferred. */
  readonly sigma: readonly string[];
  /** Event kinds that carry the field. */
  readonly kinds: readonly EventKind[];
}

const PROC: readonly EventKind[] = ['process', 'exec', 'exit'];
const PROC_AND_CONN: readonly EventKind[] = [
  'process',
  'exec',
  'exit',
  'connection',
  'listener',
  'dns',
  'file',
];
const NET: readonly EventKind[] = ['connection', 'listener'];
/** Cloud flow logs, resolver query logs and control-plane calls carry where they came from. */
const FLOW: readonly EventKind[] = ['flow'];
const API: readonly EventKind[] = ['cloud-api'];
const CLOUD: readonly EventKind[] = ['flow', 'dns', 'cloud-api'];
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
  {
    name: 'process.pid',
    type: 'integer',
    description: 'Process id (thread-group id).',
    sigma: ['ProcessId'],
    kinds: PROC_AND_CONN,
  },
  {
    name: 'process.ppid',
    type: 'integer',
    description: 'Parent process id.',
    sigma: ['ParentProcessId'],
    kinds: PROC,
  },
  {
    name: 'process.name',
    type: 'string',
    description: 'Kernel command name (comm, at most 15 bytes).',
    sigma: ['ProcessName', 'comm'],
    kinds: PROC,
  },
  {
    name: 'process.exe',
    type: 'string',
    description: 'Path of the executable, without a " (deleted)" suffix.',
    sigma: ['Image', 'exe'],
    kinds: PROC_AND_CONN,
  },
  {
    name: 'process.args',
    type: 'string[]',
    description: 'Argument vector, argv[0] first, verbatim.',
    sigma: [],
    kinds: PROC,
  },
  {
    name: 'process.commandLine',
    type: 'string',
    description: 'Arguments joined by single spaces.',
    sigma: ['CommandLine'],
    kinds: PROC,
  },
  {
    name: 'process.cwd',
    type: 'string',
    description: 'Current working directory.',
    sigma: ['CurrentDirectory'],
    kinds: PROC,
  },
  { name: 'process.uid', type: 'integer', description: 'Real user id.', sigma: ['uid'], kinds: PROC },
  {
    name: 'process.euid',
    type: 'integer',
    description: 'Effective user id.',
    sigma: ['euid'],
    kinds: PROC,
  },
  {
    name: 'process.loginUid',
    type: 'integer',
    description: 'Audit login uid (/proc/PID/loginuid): who logged in, kept across su and sudo.',
    sigma: ['LogonId', 'auid'],
    kinds: PROC,
  },
  {
    name: 'process.user',
    type: 'string',
    description: 'User name of the real uid (from the host passwd file).',
    sigma: ['User'],
    kinds: PROC_AND_CONN,
  },
  {
    name: 'process.startTime',
    type: 'time',
    description: 'When the process started.',
    sigma: [],
    kinds: PROC,
  },
  {
    name: 'process.state',
    type: 'string',
    description: 'Scheduler state letter from stat (R, S, D, Z, T ...).',
    sigma: [],
    kinds: PROC,
  },
  { name: 'process.threads', type: 'integer', description: 'Number of threads.', sigma: [], kinds: PROC },
  {
    name: 'process.rssBytes',
    type: 'integer',
    description: 'Resident set size in bytes.',
    sigma: [],
    kinds: PROC,
  },
  {
    name: 'process.cpuPercent',
    type: 'number',
    description: 'CPU use over the sampling interval, percent of one core.',
    sigma: [],
    kinds: PROC,
  },
  {
    name: 'process.cpuSeconds',
    type: 'number',
    description: 'CPU time used so far (user + system), seconds.',
    sigma: [],
    kinds: PROC,
  },
  {
    name: 'process.exeDeleted',
    type: 'boolean',
    description: 'The executable was deleted after the process started.',
    sigma: [],
    kinds: PROC,
  },
  {
    name: 'process.exeReplaced',
    type: 'boolean',
    description: 'The file now at the executable path is not the one running.',
    sigma: [],
    kinds: PROC,
  },
  {
    name: 'process.exeMemfd',
    type: 'boolean',
    description: 'The executable is an anonymous memory file (memfd), never on disk.',
    sigma: [],
    kinds: PROC,
  },
  {
    name: 'process.sha256',
    type: 'string',
    description: 'SHA-256 of the running executable, when hashed.',
    sigma: ['sha256'],
    kinds: PROC,
  },
  {
    name: 'process.kernelThread',
    type: 'boolean',
    description: 'The task is a kernel thread (PF_KTHREAD).',
    sigma: [],
    kinds: PROC,
  },
  {
    name: 'process.containerId',
    type: 'string',
    description: 'Container id from the cgroup path, when in a container.',
    sigma: [],
    kinds: PROC_AND_CONN,
  },
  {
    name: 'process.containerRuntime',
    type: 'string',
    description: 'docker, containerd, cri-o, podman or kubepods.',
    sigma: [],
    kinds: PROC,
  },
  {
    name: 'parent.exe',
    type: 'string',
    description: 'Executable of the parent process.',
    sigma: ['ParentImage'],
    kinds: PROC,
  },
  {
    name: 'parent.commandLine',
    type: 'string',
    description: 'Command line of the parent process.',
    sigma: ['ParentCommandLine'],
    kinds: PROC,
  },
  {
    name: 'process.exitCode',
    type: 'integer',
    description: 'Exit status, on exit events.',
    sigma: [],
    kinds: ['exit'],
  },
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
      'What a swept file is: cron, systemd, rc, profile, shell-rc, authorized_keys, ld-preload, passwd, writable-dir.',
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
  {
    name: 'flow.packets',
    type: 'integer',
    description: 'Packets from source to destination in the flow record.',
    sigma: ['packets'],
    kinds: FLOW,
  },
  {
    name: 'flow.bytes',
    type: 'integer',
    description: 'Bytes (IP layer) from source to destination in the flow record.',
    sigma: ['bytes'],
    kinds: FLOW,
  },
  {
    name: 'flow.replyPackets',
    type: 'integer',
    description:
      'Packets from destination back to source, when the log counts both ways in one record (Azure NSG v2).',
    sigma: [],
    kinds: FLOW,
  },
  {
    name: 'flow.replyBytes',
    type: 'integer',
    description: 'Bytes from destination back to source, when the log counts both ways in one record.',
    sigma: [],
    kinds: FLOW,
  },
  {
    name: 'flow.start',
    type: 'time',
    description: 'Start of the flow record interval.',
    sigma: [],
    kinds: FLOW,
  },
  { name: 'flow.end', type: 'time', description: 'End of the flow record interval.', sigma: [], kinds: FLOW },
  {
    name: 'flow.action',
    type: 'string',
    description: 'accept or reject (security group, NACL, NSG or firewall decision).',
    sigma: ['action'],
    kinds: FLOW,
  },
  {
    name: 'flow.direction',
    type: 'string',
    description: 'ingress or egress relative to the logged interface, when the log says.',
    sigma: ['flow-direction'],
    kinds: FLOW,
  },
  {
    name: 'flow.tcpFlags',
    type: 'integer',
    description: 'TCP flags seen in the interval, ORed (AWS tcp-flags: SYN 2, SYN-ACK 18, FIN 1, RST 4).',
    sigma: ['tcp-flags'],
    kinds: FLOW,
  },
  {
    name: 'flow.remoteService',
    type: 'string',
    description:
      'Provider service at the far end, when the log names it (AWS pkt-dst-aws-service, S3, EC2 ...).',
    sigma: [],
    kinds: FLOW,
  },
  { name: 'cloud.provider', type: 'string', description: 'aws, gcp or azure.', sigma: [], kinds: CLOUD },
  {
    name: 'cloud.account',
    type: 'string',
    description: 'Account, project or subscription the record belongs to.',
    sigma: ['recipientAccountId', 'account-id'],
    kinds: CLOUD,
  },
  {
    name: 'cloud.region',
    type: 'string',
    description: 'Region (or zone) of the resource or API call.',
    sigma: ['awsRegion', 'region'],
    kinds: CLOUD,
  },
  {
    name: 'cloud.instanceId',
    type: 'string',
    description: 'Instance the record is about (EC2 instance id, GCE instance id, Azure VM).',
    sigma: ['instance-id'],
    kinds: CLOUD,
  },
  {
    name: 'cloud.instanceName',
    type: 'string',
    description: 'Instance name, when the log gives one (GCE vm_name).',
    sigma: [],
    kinds: CLOUD,
  },
  {
    name: 'cloud.interfaceId',
    type: 'string',
    description: 'Network interface (AWS eni-..., Azure MAC address).',
    sigma: ['interface-id'],
    kinds: CLOUD,
  },
  {
    name: 'cloud.vpcId',
    type: 'string',
    description: 'VPC or network of the record.',
    sigma: ['vpc-id'],
    kinds: CLOUD,
  },
  {
    name: 'cloud.subnetId',
    type: 'string',
    description: 'Subnet of the record.',
    sigma: ['subnet-id'],
    kinds: CLOUD,
  },
  {
    name: 'api.service',
    type: 'string',
    description: 'Service the call went to (CloudTrail eventSource, ec2.amazonaws.com ...).',
    sigma: ['eventSource'],
    kinds: API,
  },
  {
    name: 'api.operation',
    type: 'string',
    description: 'The call (CloudTrail eventName: RunInstances, CreateAccessKey ...).',
    sigma: ['eventName'],
    kinds: API,
  },
  {
    name: 'api.principal',
    type: 'string',
    description: 'Who called: the identity ARN (or the account root).',
    sigma: ['userIdentity.arn'],
    kinds: API,
  },
  {
    name: 'api.principalType',
    type: 'string',
    description: 'IAMUser, AssumedRole, Root, AWSService, FederatedUser ...',
    sigma: ['userIdentity.type'],
    kinds: API,
  },
  {
    name: 'api.accessKeyId',
    type: 'string',
    description: 'Access key the call was signed with.',
    sigma: ['userIdentity.accessKeyId'],
    kinds: API,
  },
  {
    name: 'api.sessionName',
    type: 'string',
    description: 'Role session name of an assumed role; an instance id for EC2 instance-profile credentials.',
    sigma: [],
    kinds: API,
  },
  {
    name: 'api.roleDelivery',
    type: 'string',
    description:
      'CloudTrail ec2RoleDelivery: present when the credentials were delivered to an EC2 instance.',
    sigma: ['userIdentity.sessionContext.ec2RoleDelivery'],
    kinds: API,
  },
  {
    name: 'api.userAgent',
    type: 'string',
    description: 'Caller user agent.',
    sigma: ['userAgent'],
    kinds: API,
  },
  {
    name: 'api.errorCode',
    type: 'string',
    description: 'Error of a failed call (AccessDenied, UnauthorizedOperation ...); absent on success.',
    sigma: ['errorCode'],
    kinds: API,
  },
  {
    name: 'api.vpcEndpoint',
    type: 'string',
    description: 'VPC endpoint the call came through, when it did.',
    sigma: ['vpcEndpointId'],
    kinds: API,
  },
  {
    name: 'api.instanceType',
    type: 'string',
    description: 'Instance type asked for (RunInstances).',
    sigma: ['requestParameters.instanceType'],
    kinds: API,
  },
  {
    name: 'api.count',
    type: 'integer',
    description: 'How many instances or tasks the call asked for (RunInstances maxCount, RunTask count).',
    sigma: [],
    kinds: API,
  },
  {
    name: 'api.images',
    type: 'string[]',
    description: 'Images named by the call (AMI ids, container images).',
    sigma: [],
    kinds: API,
  },
  {
    name: 'api.cpu',
    type: 'integer',
    description: 'CPU units asked for (ECS task definition cpu, 1024 per vCPU).',
    sigma: [],
    kinds: API,
  },
  {
    name: 'api.target',
    type: 'string',
    description: 'What the call acts on: user name, policy ARN, trail, detector, task definition or cluster.',
    sigma: [],
    kinds: API,
  },
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
