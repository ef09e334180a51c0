export const iso = (ms: number): string => new Date(ms).toISOString();

/** What findings about one source show: totals, accounts tried, first and last time, a few verbatim lines. */
export class AttemptLog {
  attempts = 0;
  first = 0;
  last = 0;
  readonly users = new Set<string>();
  usersDropped = 0;
  readonly samples: string[] = [];
  /** A bit per account number (AuthRecord.userId) below USER_BITS whose name is in `users`: a repeated account is
   * known without a set lookup (most attempts repeat a name the source tried before). Made on first use. */
  private userBits: Uint32Array | undefined = undefined;

  /** Whether `add` would keep a line now: callers read a line only then (reading one may decode it). */
  wantsSample(maxSamples = 5): boolean {
    return this.samples.length < maxSamples;
  }

  /** `userId`: the number of `user`'s spelling (AuthRecord.userId), -1 when none. */
  add(
    time: number,
    user: string | undefined,
    line: string | undefined,
    n: number,
    userId = -1,
    maxUsers = 50,
    maxSamples = 5,
  ): void {
    if (this.attempts === 0) this.first = time;
    this.attempts += n;
    if (time > this.last) this.last = time;
    // An account this source tried before, by its number: known here without a call. Most attempts are that, and
    // `add` is inlined into the per-attempt code where `addUser` may not fit (V8's inlining budget: it was left out
    // once SshShared.prepare took this path, ~1% more instructions for bench/logs).
    const bits = this.userBits;
    const known =
      bits !== undefined &&
      userId >= 0 &&
      userId < USER_BITS &&
      ((bits[userId >>> 5] as number) & (1 << (userId & 31))) !== 0;
    if (user !== undefined && !known) this.addUser(user, userId, maxUsers);
    if (line !== undefined && this.samples.length < maxSamples) this.samples.push(line);
  }

  private addUser(user: string, id: number, maxUsers: number): void {
    const numbered = id >= 0 && id < USER_BITS;
    let bits = this.userBits;
    if (this.users.has(user)) {
      if (!numbered) return;
    } else if (this.users.size < maxUsers) this.users.add(user);
    else {
      this.usersDropped++;
      return;
    }
    if (!numbered) return;
    if (bits === undefined) {
      bits = new Uint32Array(USER_BITS / 32);
      this.userBits = bits;
    }
    bits[id >>> 5] = (bits[id >>> 5] as number) | (1 << (id & 31));
  }

  evidence(): Record<string, unknown> {
    return {
      attempts: this.attempts,
      usersTried: [...this.users],
      ...(this.usersDropped > 0 ? { usersNotListed: this.usersDropped } : {}),
      firstSeen: iso(this.first),
      lastSeen: iso(this.last),
      sampleLines: [...this.samples],
    };
  }
}

/** AttemptLog's bits for account numbers: 128 bytes per source that tried a numbered account. */
const USER_BITS = 1024;
