import { ADMIN_PORTS, SERVICE_PORTS } from './network-exposure.js';

/**
 * Services that should never face the whole internet: clear-text logins, Windows file sharing and RPC, directory,
 * mail, databases, caches, queues and management consoles. Written from the IANA registry and vendor port lists;
 * the ports mining groups exploit most live in SERVICE_PORTS and get their own, louder check.
 */
export const SENSITIVE_PORTS: ReadonlyMap<number, string> = new Map([
  [20, 'FTP data'],
  [21, 'FTP'],
  [23, 'Telnet'],
  [25, 'SMTP'],
  [53, 'DNS'],
  [69, 'TFTP'],
  [110, 'POP3'],
  [111, 'ONC RPC portmapper'],
  [135, 'Microsoft RPC endpoint mapper'],
  [137, 'NetBIOS name service'],
  [138, 'NetBIOS datagram service'],
  [139, 'NetBIOS session service'],
  [143, 'IMAP'],
  [161, 'SNMP'],
  [162, 'SNMP trap'],
  [389, 'LDAP'],
  [445, 'SMB'],
  [514, 'syslog / rsh'],
  [636, 'LDAPS'],
  [873, 'rsync'],
  [1433, 'Microsoft SQL Server'],
  [1434, 'Microsoft SQL Server browser'],
  [1521, 'Oracle database listener'],
  [2049, 'NFS'],
  [2383, 'SQL Server Analysis Services'],
  [2483, 'Oracle database (TCP)'],
  [2484, 'Oracle database (TLS)'],
  [3306, 'MySQL'],
  [5432, 'PostgreSQL'],
  [5601, 'Kibana'],
  [5672, 'AMQP (RabbitMQ)'],
  [5900, 'VNC'],
  [5984, 'CouchDB'],
  [5985, 'WinRM (HTTP)'],
  [5986, 'WinRM (HTTPS)'],
  [6000, 'X11'],
  [7199, 'Cassandra JMX'],
  [8086, 'InfluxDB'],
  [8500, 'Consul HTTP API'],
  [9042, 'Cassandra CQL'],
  [9092, 'Kafka'],
  [9300, 'Elasticsearch transport'],
  [11211, 'Memcached'],
  [15672, 'RabbitMQ management'],
  [50070, 'HDFS NameNode web UI'],
]);

/** Ports a public web front end uses; open to the internet they are usually intended, so they are reported low. */
export const WEB_PORTS: ReadonlyMap<number, string> = new Map([
  [80, 'HTTP (plain text)'],
  [443, 'HTTPS'],
  [8080, 'HTTP alternate (plain text)'],
  [8443, 'HTTPS alternate'],
]);

/** Every port we can name; anything else open to the internet is an unknown service. */
export const KNOWN_PORTS: ReadonlySet<number> = new Set([
  ...SENSITIVE_PORTS.keys(),
  ...WEB_PORTS.keys(),
  ...SERVICE_PORTS.keys(),
  ...ADMIN_PORTS.keys(),
]);

/** Ports of `catalog` inside an inclusive range, lowest first. */
export function portsInRange(catalog: ReadonlyMap<number, string>, from: number, to: number): number[] {
  return [...catalog.keys()].filter((p) => from <= p && p <= to).sort((a, b) => a - b);
}
