/** What reading one file did: every record is either an event, or skipped under one of the named reasons. */
export interface CloudReadStats {
  file: string;
  /** The format the reader took the file for (aws-vpc-flow, cloudwatch-json, cloudtrail ...). */
  format: string;
  records: number;
  events: number;
  skipped: {
    /** Lines or records that do not parse, or miss a required field. */
    malformed: number;
    /** Lines or records over the size cap. */
    tooLarge: number;
    /** Records of a format version we do not read. */
    unknownVersion: number;
    /** Records that say there was nothing to log (AWS NODATA/SKIPDATA): counted, not errors. */
    noData: number;
    /** Records of another kind than the reader wants (other log names, categories). */
    other: number;
  };
  gzip: boolean;
  bytesRead: number;
  /** Why the file was read only in part (decompression bomb, damaged gzip), or null. */
  cutOff: string | null;
  /** The first problems, each naming its line. */
  examples: string[];
}

const MAX_EXAMPLES = 5;

export function newStats(file: string, format: string): CloudReadStats {
  return {
    file,
    format,
    records: 0,
    events: 0,
    skipped: { malformed: 0, tooLarge: 0, unknownVersion: 0, noData: 0, other: 0 },
    gzip: false,
    bytesRead: 0,
    cutOff: null,
    examples: [],
  };
}

export function noteProblem(stats: CloudReadStats, line: number, message: string): void {
  if (stats.examples.length < MAX_EXAMPLES) stats.examples.push(`${stats.file}:${line}: ${message}`);
}

/** Records lost to problems; records of other kinds (other logs in a mixed export) and NODATA are not problems. */
export function skippedTotal(s: CloudReadStats): number {
  const k = s.skipped;
  return k.malformed + k.tooLarge + k.unknownVersion;
}
