import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { page: 'overview' }
  | { page: 'host'; id: string }
  | { page: 'incidents' }
  | { page: 'incident'; id: string }
  | { page: 'surface'; host?: string }
  | { page: 'posture' };

/** Hash routes: the server serves one index.html, and a reload keeps the page. */
export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'hosts' && parts[1]) return { page: 'host', id: parts[1] };
  if (parts[0] === 'incidents' && parts[1]) return { page: 'incident', id: parts[1] };
  if (parts[0] === 'incidents') return { page: 'incidents' };
  if (parts[0] === 'surface') {
    const host = new URLSearchParams(query).get('host');
    return host ? { page: 'surface', host } : { page: 'surface' };
  }
  if (parts[0] === 'posture') return { page: 'posture' };
  return { page: 'overview' };
}

export function href(r: Route): string {
  switch (r.page) {
    case 'host':
      return `#/hosts/${encodeURIComponent(r.id)}`;
    case 'incident':
      return `#/incidents/${encodeURIComponent(r.id)}`;
    case 'incidents':
      return '#/incidents';
    case 'surface':
      return r.host ? `#/surface?host=${encodeURIComponent(r.host)}` : '#/surface';
    case 'posture':
      return '#/posture';
    default:
      return '#/';
  }
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
