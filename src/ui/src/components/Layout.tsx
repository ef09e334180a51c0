import type { ComponentChildren } from 'preact';
import type { Me } from '../api.js';
import { href, type Route } from '../router.js';

const NAV: Array<{ route: Route; label: string; pages: Route['page'][] }> = [
  { route: { page: 'overview' }, label: 'Fleet', pages: ['overview', 'host'] },
  { route: { page: 'incidents' }, label: 'Incidents', pages: ['incidents', 'incident'] },
  { route: { page: 'surface' }, label: 'Attack surface', pages: ['surface'] },
  { route: { page: 'posture' }, label: 'Posture', pages: ['posture'] },
];

export function Layout(props: { me: Me; route: Route; onLogout: () => void; children: ComponentChildren }) {
  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">minewarden</span>
        <nav aria-label="Pages">
          {NAV.map((n) => (
            <a
              key={n.label}
              href={href(n.route)}
              aria-current={n.pages.includes(props.route.page) ? 'page' : undefined}
            >
              {n.label}
            </a>
          ))}
        </nav>
        <span class="who">
          {props.me.name} <span class="role">{props.me.role}</span>
          <button type="button" class="link" onClick={props.onLogout}>
            Log out
          </button>
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        {props.children}
      </main>
    </div>
  );
}
