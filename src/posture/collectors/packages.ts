import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { MinewardenError, type WarningSink } from '../../model/errors.js';
import { ApkDbError, parseApkInstalled } from '../../sources/apk/installed.js';
import { evrOf } from '../../sources/rpm/header.js';
import { readRpmDatabase } from '../../sources/rpm/rpmdb.js';

/** One installed thing with a version that advisories can name. */
export interface InstalledPackage {
  /** OSV ecosystem, with release for distributions ("Debian:12"), "Maven", or "minewarden:<product>" for tarballs. */
  ecosystem: string;
  /** Name advisories use: the source package for Debian, groupId:artifactId for Maven. */
  name: string;
  version: string;
  /** The binary package(s) or file that made us see it. */
  binary: string;
  file: string;
  line?: number;
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** ID and VERSION_ID from os-release, to scope distribution advisories to the right release. */
export function readOsRelease(root: string): { id: string | undefined; versionId: string | undefined } {
  const text =
    readText(path.join(root, 'etc/os-release')) ?? readText(path.join(root, 'usr/lib/os-release')) ?? '';
  const get = (k: string) => new RegExp(`^${k}="?([^"\\n]*)"?`, 'm').exec(text)?.[1];
  return { id: get('ID'), versionId: get('VERSION_ID') };
}

/**
 * dpkg's status file: installed packages with their source package and version, which is what Debian advisories
 * (DSA/DLA and OSV "Debian:N") name. "Source: name (version)" is used when the binary was rebuilt (binNMU).
 */
export function parseDpkgStatus(text: string, file: string, ecosystem: string): InstalledPackage[] {
  const out = new Map<string, InstalledPackage>();
  let line = 1;
  for (const stanza of text.split(/\n\n+/)) {
    const start = line;
    line += stanza.split('\n').length + 1;
    const field = (k: string) => new RegExp(`^${k}:[ \\t]*(.*)$`, 'mi').exec(stanza)?.[1]?.trim();
    const pkg = field('Package');
    const version = field('Version');
    const status = field('Status') ?? '';
    if (!pkg || !version || !/\binstalled$/.test(status)) continue;
    const src = field('Source');
    const m = src ? /^(\S+)(?:\s+\(([^)]+)\))?$/.exec(src) : null;
    const name = m?.[1] ?? pkg;
    const srcVersion = m?.[2] ?? version;
    const key = `${name}\u0000${srcVersion}`;
    const prev = out.get(key);
    if (prev) prev.binary += `,${pkg}`;
    else out.set(key, { ecosystem, name, version: srcVersion, binary: pkg, file, line: start });
  }
  return [...out.values()];
}

export function readDpkgInventory(root: string): InstalledPackage[] {
  const file = path.join(root, 'var/lib/dpkg/status');
  const text = readText(file);
  if (text === undefined) return [];
  const os = readOsRelease(root);
  const release = os.versionId ? `:${os.versionId.split('.')[0]}` : '';
  const eco = os.id === 'ubuntu' ? `Ubuntu${os.versionId ? `:${os.versionId}` : ''}` : `Debian${release}`;
  return parseDpkgStatus(text, file, eco);
}

/**
 * The OSV ecosystem of an RPM distribution, from os-release: "Red Hat:enterprise_linux:9" (Red Hat's advisories
 * add "::appstream"-style suffixes, which match by prefix), "Rocky Linux:9", "AlmaLinux:9"; others keep their ID
 * so that no advisory of another distribution applies to them.
 */
export function rpmEcosystem(os: { id: string | undefined; versionId: string | undefined }): string {
  const major = os.versionId?.split('.')[0];
  const rel = major ? `:${major}` : '';
  switch (os.id) {
    case 'rhel':
      return `Red Hat:enterprise_linux${rel}`;
    case 'rocky':
      return `Rocky Linux${rel}`;
    case 'almalinux':
      return `AlmaLinux${rel}`;
    default:
      return `minewarden:rpm:${os.id ?? 'unknown'}`;
  }
}

/** Installed RPMs, named as RPM advisories name them (binary package, epoch:version-release). */
export function readRpmInventory(root: string, warnings?: WarningSink): InstalledPackage[] {
  const db = readRpmDatabase(root, warnings);
  if (!db) return [];
  const eco = rpmEcosystem(readOsRelease(root));
  return db.packages
    .filter((p) => p.name !== 'gpg-pubkey') // imported signing keys are stored as pseudo-packages
    .map((p) => ({
      ecosystem: eco,
      name: p.name,
      version: evrOf(p),
      binary: p.arch ? `${p.name}.${p.arch}` : p.name,
      file: db.file,
      line: p.hnum,
    }));
}

/** "Alpine:v3.18" from /etc/alpine-release (3.18.4), else from os-release's VERSION_ID. */
function alpineEcosystem(root: string): string {
  const v = readText(path.join(root, 'etc/alpine-release'))?.trim() ?? readOsRelease(root).versionId;
  const m = v ? /^(\d+)\.(\d+)/.exec(v) : null;
  return m ? `Alpine:v${m[1]}.${m[2]}` : 'Alpine';
}

/**
 * apk's installed database, named by origin (the source package Alpine's advisories list); binary packages built
 * from one origin and version become one entry.
 */
export function readApkInventory(root: string): InstalledPackage[] {
  const file = path.join(root, 'lib/apk/db/installed');
  const text = readText(file);
  if (text === undefined) return [];
  let pkgs: ReturnType<typeof parseApkInstalled>;
  try {
    pkgs = parseApkInstalled(text);
  } catch (err) {
    if (!(err instanceof ApkDbError)) throw err;
    throw new MinewardenError('MW_INPUT_PARSE', `apk installed database: ${err.message}`, {
      file,
      line: err.line,
    });
  }
  const eco = alpineEcosystem(root);
  const out = new Map<string, InstalledPackage>();
  for (const p of pkgs) {
    const name = p.origin ?? p.name;
    const key = `${name}\u0000${p.version}`;
    const prev = out.get(key);
    if (prev) prev.binary += `,${p.name}`;
    else out.set(key, { ecosystem: eco, name, version: p.version, binary: p.name, file, line: p.line });
  }
  return [...out.values()];
}

/** Every package manager's inventory found under `root` (a host usually has one). */
export function readPackageInventories(root: string, warnings?: WarningSink): InstalledPackage[] {
  return [...readDpkgInventory(root), ...readRpmInventory(root, warnings), ...readApkInventory(root)];
}

/** Jar names that carry a product version (tarball installs that no package manager knows about). */
const JARS: [RegExp, string, string][] = [
  [/^log4j-core-(\d[\w.-]*)\.jar$/, 'Maven', 'org.apache.logging.log4j:log4j-core'],
  [/^activemq-client-(\d[\w.-]*)\.jar$/, 'Maven', 'org.apache.activemq:activemq-client'],
  [/^activemq-all-(\d[\w.-]*)\.jar$/, 'Maven', 'org.apache.activemq:activemq-client'],
  [/^confluence-(\d[\d.]*\d)\.jar$/, 'minewarden:tarball', 'confluence'],
  [/^openfire-(\d[\d.]*\d)\.jar$/, 'minewarden:tarball', 'openfire'],
];

// /usr/share/java is Debian-packaged (dpkg covers it); the rest is where tarballs get unpacked.
const APP_DIRS = ['opt', 'srv', 'usr/local', 'var/lib', 'var/www', 'home'];

/**
 * Tarball installs found by their files under the usual application directories: versioned jars (Log4j, ActiveMQ,
 * Confluence), WebLogic's inventory registry.xml. Bounded in depth and entries so a huge tree cannot stall a scan.
 */
export function findTarballInstalls(root: string, maxEntries = 200_000): InstalledPackage[] {
  const out: InstalledPackage[] = [];
  let seen = 0;
  const walk = (dir: string, depth: number) => {
    if (depth > 8 || seen > maxEntries) return;
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (++seen > maxEntries) return;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name === 'node_modules' || e.name === '.git' || e.name === 'proc') continue;
        walk(p, depth + 1);
      } else if (e.isFile()) {
        if (e.name.endsWith('.jar')) {
          for (const [re, eco, name] of JARS) {
            const m = re.exec(e.name);
            if (m) out.push({ ecosystem: eco, name, version: m[1]!, binary: e.name, file: p });
          }
        } else if (e.name === 'registry.xml' && /inventory/.test(dir)) {
          const t = readText(p) ?? '';
          const m =
            /name="WebLogic Server"[^>]*version="([\d.]+)"/.exec(t) ??
            /<component[^>]*name="WebLogic Server"[^>]*version="([\d.]+)"/.exec(t);
          if (m)
            out.push({
              ecosystem: 'minewarden:tarball',
              name: 'weblogic',
              version: m[1]!,
              binary: 'registry.xml',
              file: p,
            });
        }
      }
    }
  };
  for (const d of APP_DIRS) {
    const abs = path.join(root, d);
    if (existsSync(abs) && statSync(abs).isDirectory()) walk(abs, 0);
  }
  return out;
}
