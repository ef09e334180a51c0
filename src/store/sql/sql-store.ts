import type { Store } from '../store.js';
import type { Retention, RetentionResult } from '../types.js';
import { SqlActionsRepo } from './actions-repo.js';
import { SqlAuthRepo } from './auth-repo.js';
import { SqlContentRepo } from './content-repo.js';
import type { SqlDriver } from './driver.js';
import { SqlFleetRepo } from './fleet-repo.js';
import { SqlResponseRequestsRepo } from './response-requests-repo.js';
import { applyRetention } from './retention.js';

/** One store implementation over either driver: the SQL is shared, only the drivers differ. */
export class SqlStore implements Store {
  readonly kind: 'sqlite' | 'postgres';
  readonly fleet: SqlFleetRepo;
  readonly auth: SqlAuthRepo;
  readonly actions: SqlActionsRepo;
  readonly content: SqlContentRepo;
  readonly responses: SqlResponseRequestsRepo;

  constructor(private readonly driver: SqlDriver) {
    this.kind = driver.dialect;
    this.fleet = new SqlFleetRepo(driver);
    this.auth = new SqlAuthRepo(driver);
    this.actions = new SqlActionsRepo(driver);
    this.content = new SqlContentRepo(driver);
    this.responses = new SqlResponseRequestsRepo(driver);
  }

  applyRetention(policy: Retention, now: Date): Promise<RetentionResult> {
    return applyRetention(this.driver, policy, now);
  }

  async close(): Promise<void> {
    // Batches already submitted commit (and their callers get an answer) before the connection goes.
    await this.fleet.drain();
    await this.driver.close();
  }
}
