import { useState } from 'preact/hooks';
import { api, type Me } from '../api.js';

export function LoginPage(props: { onLogin: (me: Me) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (ev: Event) => {
    ev.preventDefault();
    const form = new FormData(ev.currentTarget as HTMLFormElement);
    setBusy(true);
    setError(null);
    try {
      const me = await api<Me>('/api/login', {
        method: 'POST',
        body: { username: String(form.get('username') ?? ''), password: String(form.get('password') ?? '') },
      });
      props.onLogin(me);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login" id="main">
      <form onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">minewarden</h1>
        <p class="muted">Sign in to see the fleet.</p>
        <label>
          User name
          <input name="username" autocomplete="username" required autofocus />
        </label>
        <label>
          Password
          <input name="password" type="password" autocomplete="current-password" required />
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
