export { DnsQueryLogParser, type DnsQueryLogStats, isDnsQueryLine } from './query-log.js';
export { DNS_ROUTING_DIRS, DNS_ROUTING_FILES, DnsRoutingWatch } from './routing-watch.js';
