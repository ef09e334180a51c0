import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, type Me, SESSION_EXPIRED } from './api.js';
import { Layout } from './components/Layout.js';
import { HostPage } from './pages/Host.js';
import { IncidentPage } from './pages/Incident.js';
import { IncidentsPage } from './pages/Incidents.js';
import { LoginPage } from './pages/Login.js';
import { OverviewPage } from './pages/Overview.js';
import { PosturePage } from './pages/Posture.js';
import { SurfacePage } from './pages/Surface.js';
import { useRoute } from './router.js';
import './styles.css';

function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const route = useRoute();
  useEffect(() => {
    api<Me>('/api/me')
      .then(setMe)
      .catch(() => setMe(null));
    const expired = () => setMe(null);
    window.addEventListener(SESSION_EXPIRED, expired);
    return () => window.removeEventListener(SESSION_EXPIRED, expired);
  }, []);
  if (me === undefined) return <p class="loading">Loading…</p>;
  if (me === null) return <LoginPage onLogin={setMe} />;
  const logout = async () => {
    await api('/api/logout', { method: 'POST' }).catch(() => undefined);
    setMe(null);
  };
  return (
    <Layout me={me} route={route} onLogout={logout}>
      {route.page === 'overview' && <OverviewPage />}
      {route.page === 'host' && <HostPage id={route.id} />}
      {route.page === 'incidents' && <IncidentsPage />}
      {route.page === 'incident' && <IncidentPage id={route.id} me={me} />}
      {route.page === 'surface' && <SurfacePage {...(route.host ? { host: route.host } : {})} />}
      {route.page === 'posture' && <PosturePage me={me} />}
    </Layout>
  );
}

render(<App />, document.getElementById('app')!);
