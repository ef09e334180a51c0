import type { ServerContext, ZodApp } from './context.js';
import { LocalResponder, localResponseOptionsFromEnv } from './local-response.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { postureUiRoutes } from './routes/posture-ui.js';
import { responseRoutes } from './routes/response.js';
import { uiStatic } from './ui-static.js';

/** The web dashboard: its read routes, posture suppressions, local response, and the built bundle at /. */
export async function registerDashboard(app: ZodApp, ctx: ServerContext): Promise<void> {
  const responder = new LocalResponder(ctx.store, localResponseOptionsFromEnv());
  dashboardRoutes(app, ctx, { localHostId: () => responder.hostId() });
  postureUiRoutes(app, ctx);
  responseRoutes(app, ctx, responder);
  await uiStatic(app);
}
