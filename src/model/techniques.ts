import { z } from 'zod';

/**
 * The MITRE ATT&CK (Enterprise) techniques our rules cite. Kept as data so a rule that cites an unknown id is caught
 * by the loader instead of reaching a report with a typo.
 */
export const TECHNIQUES: Readonly<Record<string, string>> = {
  T1003: 'OS Credential Dumping',
  T1021: 'Remote Services',
  'T1021.004': 'Remote Services: SSH',
  T1036: 'Masquerading',
  'T1036.004': 'Masquerading: Masquerade Task or Service',
  'T1036.005': 'Masquerading: Match Legitimate Name or Location',
  T1046: 'Network Service Discovery',
  T1053: 'Scheduled Task/Job',
  'T1053.003': 'Scheduled Task/Job: Cron',
  T1059: 'Command and Scripting Interpreter',
  'T1059.004': 'Command and Scripting Interpreter: Unix Shell',
  T1070: 'Indicator Removal',
  'T1070.002': 'Indicator Removal: Clear Linux or Mac System Logs',
  'T1070.003': 'Indicator Removal: Clear Command History',
  'T1070.004': 'Indicator Removal: File Deletion',
  T1071: 'Application Layer Protocol',
  T1078: 'Valid Accounts',
  T1082: 'System Information Discovery',
  T1098: 'Account Manipulation',
  'T1098.004': 'Account Manipulation: SSH Authorized Keys',
  T1105: 'Ingress Tool Transfer',
  T1110: 'Brute Force',
  'T1110.001': 'Brute Force: Password Guessing',
  'T1110.003': 'Brute Force: Password Spraying',
  T1133: 'External Remote Services',
  T1136: 'Create Account',
  T1190: 'Exploit Public-Facing Application',
  T1222: 'File and Directory Permissions Modification',
  T1496: 'Resource Hijacking',
  'T1496.001': 'Resource Hijacking: Compute Hijacking',
  T1543: 'Create or Modify System Process',
  'T1543.002': 'Create or Modify System Process: Systemd Service',
  T1552: 'Unsecured Credentials',
  'T1552.001': 'Unsecured Credentials: Credentials In Files',
  'T1552.005': 'Unsecured Credentials: Cloud Instance Metadata API',
  T1562: 'Impair Defenses',
  'T1562.001': 'Impair Defenses: Disable or Modify Tools',
  'T1562.004': 'Impair Defenses: Disable or Modify System Firewall',
  T1564: 'Hide Artifacts',
  'T1564.001': 'Hide Artifacts: Hidden Files and Directories',
  T1571: 'Non-Standard Port',
  T1574: 'Hijack Execution Flow',
  'T1574.006': 'Hijack Execution Flow: Dynamic Linker Hijacking',
  T1610: 'Deploy Container',
  T1611: 'Escape to Host',
  T1620: 'Reflective Code Loading',
};

export const TechniqueIdSchema = z
  .string()
  .regex(/^T\d{4}(\.\d{3})?$/, 'an ATT&CK technique id such as T1496 or T1053.003')
  .refine((id) => id in TECHNIQUES, { message: 'not in the technique catalog (src/model/techniques.ts)' });

export function techniqueName(id: string): string | undefined {
  return TECHNIQUES[id];
}
