export function registerScan(_p: import('commander').Command): void {}
