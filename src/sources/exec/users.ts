import { readPasswd } from '../procfs/passwd.js';

/**
 * uid -> user name, from the host's passwd file. A uid not found triggers a re-read (a user added since start), at
 * most once per `reloadMs`, so unknown uids cannot make every event re-read the file.
 */
export class UserNames {
  private users: Map<number, string>;
  private lastLoad: number;

  constructor(
    private readonly passwdPath: string,
    private readonly reloadMs = 30_000,
  ) {
    this.users = readPasswd(passwdPath);
    this.lastLoad = Date.now();
  }

  name(uid: number | null): string | null {
    if (uid === null) return null;
    const known = this.users.get(uid);
    if (known !== undefined) return known;
    const now = Date.now();
    if (now - this.lastLoad >= this.reloadMs) {
      this.users = readPasswd(this.passwdPath);
      this.lastLoad = now;
    }
    return this.users.get(uid) ?? null;
  }
}
