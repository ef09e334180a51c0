import type { Detector, RuleMeta } from '../detector.js';
import { processEntity } from '../entity.js';
import { str, strs } from './fields.js';

const meta: RuleMeta = {
  id: 'miner.cmdline',
  title: 'Cryptocurrency miner command line',
  severity: 'critical',
  confidence: 0.9,
  category: 'impact',
  techniques: ['T1496'],
  recommendation:
    'Kill the process tree, block the pool address, quarantine the binary, and look for the persistence and the way in.',
  falsePositives: 'Deliberate, authorised mining; security training labs.',
};

const BASE58 = '1-9A-HJ-NP-Za-km-z';
/** Monero standard/subaddress (95 chars, 4 or 8) and integrated (106 chars) addresses. */
export const MONERO_WALLET = new RegExp(
  `(?<![${BASE58}])[48][${BASE58}]{94}(?:[${BASE58}]{11})?(?![${BASE58}])`,
);

interface Indicator {
  name: string;
  /** Strong indicators alone prove mining; weak ones need company. */
  strong: boolean;
  test(cmd: string, args: readonly string[]): string | null;
}

function regexIndicator(name: string, strong: boolean, re: RegExp): Indicator {
  return { name, strong, test: (cmd) => re.exec(cmd)?.[0] ?? null };
}

/** The value following an option in argv, also in --opt=value form. */
function optionValue(args: readonly string[], names: readonly string[]): string | null {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    for (const n of names) {
      if (a === n && i + 1 < args.length) return args[i + 1] ?? null;
      if (n.startsWith('--') && a.startsWith(`${n}=`)) return a.slice(n.length + 1);
    }
  }
  return null;
}

const ALGO =
  /^(rx\/(0|wow|arq|graft|sfx|keva)|randomx|cn(\/|-)|cryptonight|kawpow|argon2|ghostrider|autolykos|ethash|etchash|kheavyhash|verushash|panthera)/i;

const INDICATORS: readonly Indicator[] = [
  regexIndicator('stratum-url', true, /stratum2?\+(tcp|ssl|tls):\/\/[^\s"']+/i),
  regexIndicator('donate-level', true, /--donate-(level|over-proxy)(=|\s+)\d+/),
  regexIndicator('monero-wallet', true, MONERO_WALLET),
  {
    name: 'algorithm',
    strong: false,
    test: (_cmd, args) => {
      const v = optionValue(args, ['--algo', '-a', '--algorithm']);
      return v && ALGO.test(v) ? v : null;
    },
  },
  {
    name: 'pool-and-user',
    strong: false,
    // xmrig-style -o host:port with -u login: the shape of every pool miner's CLI.
    test: (_cmd, args) => {
      const pool = optionValue(args, ['-o', '--url']);
      const user = optionValue(args, ['-u', '--user']);
      return pool && user && /[^\s:]+:\d{2,5}$/.test(pool) ? `-o ${pool} -u ${user}` : null;
    },
  },
  regexIndicator(
    'miner-option',
    false,
    /--(cpu-priority|randomx-mode|randomx-1gb-pages|cpu-max-threads-hint|coin)(=|\s+)\S+|--(no-huge-pages|randomx-no-numa|nicehash)\b/,
  ),
];

/** Runs every indicator over a command line; exported for the rule pack's tests and for replayed events. */
export function minerIndicators(
  commandLine: string,
  args: readonly string[],
): Array<{ indicator: string; match: string; strong: boolean }> {
  const out: Array<{ indicator: string; match: string; strong: boolean }> = [];
  for (const ind of INDICATORS) {
    const m = ind.test(commandLine, args);
    if (m) out.push({ indicator: ind.name, match: m, strong: ind.strong });
  }
  return out;
}

export const minerCmdline: Detector = {
  meta,
  kinds: ['process', 'exec'],
  detect(e) {
    const args = strs(e, 'process.args');
    const cmd = str(e, 'process.commandLine') ?? args.join(' ');
    if (cmd.length < 8) return null;
    const found = minerIndicators(cmd, args);
    const strong = found.filter((f) => f.strong).length;
    if (strong === 0 && found.length < 2) return null;
    return {
      entity: processEntity(e),
      evidence: {
        commandLine: cmd.length > 4096 ? `${cmd.slice(0, 4096)}…` : cmd,
        indicators: found.map(({ indicator, match }) => ({ indicator, match })),
      },
      severity: strong > 0 ? 'critical' : 'high',
      confidence: Math.min(0.99, 0.6 + 0.15 * strong + 0.05 * found.length),
    };
  },
};
