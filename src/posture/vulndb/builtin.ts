import type { Advisory } from './osv.js';

/**
 * A small built-in advisory set for offline use: vulnerabilities that cryptomining groups are publicly reported to
 * exploit. Facts only (CVE ids, packages, fixed versions from the vendor or distribution advisory) with the sources
 * that document them; a full OSV import (`vulndb import`) supersedes the version data, the group tags stay.
 */
const NVD = (cve: string) => `https://nvd.nist.gov/vuln/detail/${cve}`;

const range = (...pairs: [string, string][]) => [
  { type: 'ECOSYSTEM', events: pairs.flatMap(([introduced, fixed]) => [{ introduced }, { fixed }]) },
];

export const BUILTIN_ADVISORIES: readonly Advisory[] = [
  {
    id: 'MW-CVE-2021-44228',
    aliases: ['CVE-2021-44228', 'GHSA-jfh8-c2jp-5v3q'],
    summary: 'Apache Log4j 2 JNDI lookup remote code execution (Log4Shell)',
    severity: 'critical',
    affected: [
      {
        ecosystem: 'Maven',
        name: 'org.apache.logging.log4j:log4j-core',
        ranges: range(['2.0-beta9', '2.3.1'], ['2.4', '2.12.2'], ['2.13.0', '2.15.0']),
      },
      { ecosystem: 'Debian:11', name: 'apache-log4j2', ranges: range(['0', '2.15.0-1~deb11u1']) },
      { ecosystem: 'Debian:10', name: 'apache-log4j2', ranges: range(['0', '2.15.0-1~deb10u1']) },
    ],
    references: [
      NVD('CVE-2021-44228'),
      'https://logging.apache.org/log4j/2.x/security.html',
      'https://www.debian.org/security/2021/dsa-5020',
    ],
    miningGroups: ['Kinsing', '8220 Gang'],
    sources: [
      'Microsoft Threat Intelligence, "Guidance for preventing, detecting, and hunting for exploitation of the Log4j 2 vulnerability" (Dec 2021): coin miners including Kinsing',
      'Fortinet FortiGuard Labs, 8220 Gang exploiting Log4Shell (2023)',
    ],
  },
  {
    id: 'MW-CVE-2022-26134',
    aliases: ['CVE-2022-26134'],
    summary:
      'Atlassian Confluence Server and Data Center OGNL injection, unauthenticated remote code execution',
    severity: 'critical',
    affected: [
      {
        ecosystem: 'minewarden:tarball',
        name: 'confluence',
        ranges: range(
          ['1.3.0', '7.4.17'],
          ['7.5.0', '7.13.7'],
          ['7.14.0', '7.14.3'],
          ['7.15.0', '7.15.2'],
          ['7.16.0', '7.16.4'],
          ['7.17.0', '7.17.4'],
          ['7.18.0', '7.18.1'],
        ),
      },
    ],
    references: [
      NVD('CVE-2022-26134'),
      'https://confluence.atlassian.com/doc/confluence-security-advisory-2022-06-02-1130377146.html',
    ],
    miningGroups: ['Kinsing', '8220 Gang'],
    sources: [
      'Microsoft Security Intelligence (Jul 2022): 8220 gang exploiting CVE-2022-26134 to install coin miners',
      'Check Point Research / Lacework (Jun 2022): Kinsing and other miners exploiting Confluence CVE-2022-26134',
    ],
  },
  {
    id: 'MW-CVE-2021-26084',
    aliases: ['CVE-2021-26084'],
    summary: 'Atlassian Confluence Server and Data Center OGNL injection (Webwork)',
    severity: 'critical',
    affected: [
      {
        ecosystem: 'minewarden:tarball',
        name: 'confluence',
        ranges: range(['0', '6.13.23'], ['6.14.0', '7.4.11'], ['7.5.0', '7.11.6'], ['7.12.0', '7.12.5']),
      },
    ],
    references: [
      NVD('CVE-2021-26084'),
      'https://confluence.atlassian.com/doc/confluence-security-advisory-2021-08-25-1077906215.html',
    ],
    miningGroups: ['z0Miner'],
    sources: ['Trend Micro (Sep 2021): z0Miner and other miners exploiting Confluence CVE-2021-26084'],
  },
  {
    id: 'MW-CVE-2023-46604',
    aliases: ['CVE-2023-46604'],
    summary: 'Apache ActiveMQ OpenWire protocol deserialization, unauthenticated remote code execution',
    severity: 'critical',
    affected: [
      {
        ecosystem: 'Maven',
        name: 'org.apache.activemq:activemq-client',
        ranges: range(['0', '5.15.16'], ['5.16.0', '5.16.7'], ['5.17.0', '5.17.6'], ['5.18.0', '5.18.3']),
      },
    ],
    references: [
      NVD('CVE-2023-46604'),
      'https://activemq.apache.org/security-advisories.data/CVE-2023-46604',
    ],
    miningGroups: ['Kinsing'],
    sources: [
      'Trend Micro (Nov 2023): Kinsing exploits Apache ActiveMQ CVE-2023-46604 to deploy a rootkit and miner',
    ],
  },
  {
    id: 'MW-CVE-2023-4911',
    aliases: ['CVE-2023-4911'],
    summary: 'glibc ld.so GLIBC_TUNABLES buffer overflow, local privilege escalation (Looney Tunables)',
    severity: 'high',
    affected: [
      { ecosystem: 'Debian:12', name: 'glibc', ranges: range(['0', '2.36-9+deb12u3']) },
      { ecosystem: 'Debian:11', name: 'glibc', ranges: range(['0', '2.31-13+deb11u7']) },
    ],
    references: [NVD('CVE-2023-4911'), 'https://www.debian.org/security/2023/dsa-5514'],
    miningGroups: ['Kinsing'],
    sources: [
      'Aqua Nautilus (Nov 2023): Kinsing probing for Looney Tunables CVE-2023-4911 after PHPUnit exploitation',
    ],
  },
  {
    id: 'MW-CVE-2023-32315',
    aliases: ['CVE-2023-32315'],
    summary: 'Openfire admin console path traversal, authentication bypass leading to plugin upload',
    severity: 'high',
    affected: [
      {
        ecosystem: 'minewarden:tarball',
        name: 'openfire',
        ranges: range(['3.10.0', '4.6.8'], ['4.7.0', '4.7.5']),
      },
    ],
    references: [NVD('CVE-2023-32315')],
    miningGroups: ['Kinsing'],
    sources: ['Aqua Nautilus (Aug 2023): Kinsing exploiting Openfire CVE-2023-32315'],
  },
  {
    id: 'MW-CVE-2020-11651',
    aliases: ['CVE-2020-11651'],
    summary: 'SaltStack Salt master ClearFuncs authentication bypass',
    severity: 'critical',
    affected: [{ ecosystem: 'PyPI', name: 'salt', ranges: range(['0', '2019.2.4'], ['3000', '3000.2']) }],
    references: [NVD('CVE-2020-11651')],
    miningGroups: ['Kinsing'],
    sources: [
      'F-Secure advisory (Apr 2020); May 2020 mass exploitation dropped the kdevtmpfsi (Kinsing) miner on Salt masters',
    ],
  },
  {
    id: 'MW-CVE-2022-0543',
    aliases: ['CVE-2022-0543'],
    summary:
      'Debian/Ubuntu Redis packaging: Lua sandbox escape, remote code execution for clients that can EVAL',
    severity: 'critical',
    affected: [
      { ecosystem: 'Debian:11', name: 'redis', ranges: range(['0', '5:6.0.16-1+deb11u2']) },
      { ecosystem: 'Debian:10', name: 'redis', ranges: range(['0', '5:5.0.14-1+deb10u2']) },
    ],
    references: [NVD('CVE-2022-0543'), 'https://www.debian.org/security/2022/dsa-5081'],
    miningGroups: ['Muhstik'],
    sources: [
      'Juniper Threat Labs (Mar 2022): Muhstik botnet exploiting Redis CVE-2022-0543, deploying XMRig',
    ],
  },
  {
    id: 'MW-CVE-2017-10271',
    aliases: ['CVE-2017-10271'],
    summary:
      'Oracle WebLogic Server WLS-WSAT XMLDecoder deserialization, unauthenticated remote code execution',
    severity: 'critical',
    affected: [
      {
        ecosystem: 'minewarden:tarball',
        name: 'weblogic',
        ranges: [],
        // Oracle fixes by patch, not by version: these releases are affected unless the Oct 2017 CPU is applied.
        versions: ['10.3.6.0.0', '12.1.3.0.0', '12.2.1.1.0', '12.2.1.2.0'],
      },
    ],
    references: [NVD('CVE-2017-10271'), 'https://www.oracle.com/security-alerts/cpuoct2017.html'],
    miningGroups: ['Rocke', '8220 Gang'],
    sources: [
      'Cisco Talos (Aug 2018): Rocke exploiting Oracle WebLogic CVE-2017-10271 to install Monero miners',
    ],
  },
];
