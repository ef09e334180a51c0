import { type PostureCheck, uniqLines } from './check.js';

/** An image that exposes SSH ships a second way in next to the app, usually with a password (kube-linter ssh-port). */
export const dockerfileExposesSsh: PostureCheck = {
  meta: {
    id: 'posture.dockerfile.expose-ssh',
    title: 'Dockerfile exposes the SSH port',
    severity: 'low',
    confidence: 0.9,
    category: 'posture',
    techniques: ['T1133', 'T1021.004'],
    remediation: 'Do not run sshd in containers; use docker exec / kubectl exec for access.',
    references: ['https://docs.docker.com/reference/dockerfile/#expose'],
  },
  run(a) {
    return a.dockerfiles.flatMap((d) =>
      d.exposes
        .filter((e) => e.port === 22 && e.protocol === 'tcp')
        .map((e) => ({
          resource: d.resource,
          line: e.line,
          lines: uniqLines(e.line),
          key: `${e.line}`,
          port: 22,
          evidence: { instruction: 'EXPOSE', port: 22 },
        })),
    );
  },
};

export const DOCKERFILE_CHECKS: readonly PostureCheck[] = [dockerfileExposesSsh];
