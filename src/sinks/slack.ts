import { postJson } from './http.js';
import { type Alert, alertHost, alertSeverity, alertTitle, type SinkTransport } from './types.js';

// Slack mrkdwn treats these as markup; escaping keeps attacker-chosen text (process names, paths) inert.
function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Slack's incoming-webhook shape (`text` with mrkdwn), which Mattermost and Rocket.Chat also accept. */
export function slackPayload(a: Alert): { text: string } {
  const host = alertHost(a);
  const sev = alertSeverity(a).toUpperCase();
  const what =
    a.kind === 'finding'
      ? `rule \`${esc(a.finding.ruleId)}\`${a.finding.recommendation ? `\n${esc(a.finding.recommendation)}` : ''}`
      : `incident \`${esc(a.incident.id)}\`, ${a.incident.findings.length} findings`;
  return { text: `*[${sev}]* ${esc(alertTitle(a))} on *${esc(host.name)}* (${esc(host.id)})\n${what}` };
}

export function slackSink(url: string, timeoutMs: number): SinkTransport {
  return {
    async send(a) {
      await postJson(url, JSON.stringify(slackPayload(a)), {}, timeoutMs);
    },
    async close() {},
  };
}
