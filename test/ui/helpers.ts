import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { hashPassword, newId } from '../../src/server/auth/secrets.js';
import type { Store } from '../../src/store/store.js';
import type { Role } from '../../src/store/types.js';

export const REPO = resolve(import.meta.dirname, '../..');
export const SHOTS = resolve(REPO, 'test-results/ui');

/** `npm ci` builds the bundle; a bare vitest run in a fresh checkout builds it here. */
export function ensureBundle(): void {
  if (existsSync(resolve(REPO, 'dist/ui/index.html'))) return;
  execFileSync(
    process.execPath,
    [resolve(REPO, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'src/ui/vite.config.ts'],
    {
      cwd: REPO,
      stdio: 'inherit',
    },
  );
}

export async function addUser(store: Store, name: string, role: Role, password: string): Promise<void> {
  await store.auth.createUser({
    id: newId('u'),
    name,
    role,
    passwordHash: await hashPassword(password),
    createdAt: new Date(),
  });
}

export async function shoot(page: Page, name: string): Promise<string> {
  mkdirSync(SHOTS, { recursive: true });
  const path = resolve(SHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Logs in through the form with the keyboard only: the field has focus, Tab moves on, Enter submits. */
export async function keyboardLogin(page: Page, url: string, name: string, password: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('User name').waitFor();
  // The form focuses its first field once rendered; typing before that would be lost.
  await page.waitForFunction(
    'document.activeElement && document.activeElement.tagName === "INPUT"',
    undefined,
    {
      timeout: 10_000,
    },
  );
  await page.keyboard.type(name);
  await page.keyboard.press('Tab');
  await page.keyboard.type(password);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Fleet', level: 1 }).waitFor();
}

export async function logout(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByLabel('User name').waitFor();
}
