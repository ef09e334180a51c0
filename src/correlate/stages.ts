import type { Category } from '../model/finding.js';
import type { Stage } from '../model/incident.js';

/** Where a finding category sits in the kill chain; posture and vulnerability findings say how, not what happened. */
export const STAGE_OF_CATEGORY: Readonly<Record<Category, Stage | null>> = {
  'initial-access': 'initial-access',
  execution: 'execution',
  persistence: 'persistence',
  'defense-evasion': 'defense-evasion',
  'credential-access': 'credential-access',
  discovery: 'discovery',
  'lateral-movement': 'lateral-movement',
  network: 'command-and-control',
  impact: 'impact',
  posture: null,
  vulnerability: null,
};
