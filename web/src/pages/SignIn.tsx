import { type FormEvent, useState } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { ApiError } from '../api/client.ts';
import { useAuth } from '../auth/AuthContext.tsx';
import { Footer } from '../components/Layout.tsx';
import { Logo } from '../components/Logo.tsx';
import { messageOf, useToast } from '../components/Toasts.tsx';
import { Field } from '../components/ui.tsx';
import { useTitle } from '../lib/hooks.ts';

const DEMO_USERS = ['admin', 'manager', 'warehouse', 'viewer'].map((role) => `${role}@azura.local`);
const isLocal = () => ['localhost', '127.0.0.1', '[::1]'].includes(window.location.hostname);

export function SignIn() {
  useTitle('Sign in');
  const { user, signIn, signedOutReason } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const toast = useToast();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const from = (location.state as { from?: string } | null)?.from ?? '/';

  if (user && !busy) return <Navigate to={from} replace />;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    if (!email.trim() || !password) {
      setError('Enter your email and password.');
      return;
    }
    setBusy(true);
    try {
      const signedIn = await signIn(email.trim(), password);
      toast.success(`Welcome, ${signedIn.name || signedIn.email}`);
      navigate(from, { replace: true });
    } catch (e) {
      const message =
        e instanceof ApiError && (e.status === 401 || e.status === 400)
          ? 'The email or password is not right.'
          : messageOf(e);
      setError(message);
      toast.error(message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="signin-page">
      <main id="main" className="signin-main">
        <form className="card signin-card" onSubmit={submit} noValidate aria-labelledby="signin-title">
          <Logo />
          <h1 id="signin-title">Sign in to Azura Inventory</h1>
          {signedOutReason === 'expired' ? (
            <p className="callout callout-warning" role="status">
              Your session has ended. Please sign in again.
            </p>
          ) : null}
          {error ? (
            <p className="callout callout-error" role="alert">
              {error}
            </p>
          ) : null}
          <Field label="Email">
            {(props) => (
              <input
                {...props}
                type="email"
                name="email"
                autoComplete="username"
                required
                value={email}
                onChange={(e) => setEmail(e.target.value)}
              />
            )}
          </Field>
          <Field label="Password">
            {(props) => (
              <input
                {...props}
                type="password"
                name="password"
                autoComplete="current-password"
                required
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            )}
          </Field>
          <button type="submit" className="button button-primary button-block" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
          {isLocal() ? (
            <details className="demo-users">
              <summary>Demo accounts (local mode)</summary>
              <p>
                Password <code>azura-demo</code> unless <code>DEMO_PASSWORD</code> is set.
              </p>
              <ul>
                {DEMO_USERS.map((demo) => (
                  <li key={demo}>
                    <button type="button" className="link-button" onClick={() => setEmail(demo)}>
                      {demo}
                    </button>
                  </li>
                ))}
              </ul>
            </details>
          ) : null}
        </form>
      </main>
      <Footer />
    </div>
  );
}
